import type { Command } from "commander";
import { describeBackend } from "../../backend/describe.js";
import { checkpointOrShipped, loadForInference } from "../../run/index.js";
import { DEFAULT_LIMITS, type ServeLimits, readApiKeyFile, startServer } from "../../serve/index.js";
import { integerOption } from "../options.js";

interface ServeFlags extends ServeLimits {
  checkpoint?: string;
  host: string;
  port: number;
  apiKeyFile?: string;
}

export function registerServe(program: Command): void {
  const d = DEFAULT_LIMITS;
  program
    .command("serve")
    .description("serve a checkpoint as an HTTP JSON API: POST /v1/translate, /v1/generate or /v1/classify (by its architecture), GET /healthz, /metrics")
    .option("--checkpoint <dir>", "checkpoint folder: config.json, model.safetensors, tokenizer.json (+ tokenizer.target.json); default: the shipped English→Spanish model, models/en-es")
    .option("--host <addr>", "address to listen on (0.0.0.0 for every interface)", "127.0.0.1")
    .option("--port <n>", "port (0: any free one)", integerOption, 8080)
    .option("--api-key-file <file>", "require Authorization: Bearer <the key in this file> on every route but /healthz")
    .option("--max-batch-tokens <n>", "most padded input tokens (longest × texts × beams) decoded together", integerOption, d.maxBatchTokens)
    .option("--max-wait-ms <n>", "how long a request waits for others to share its batch", integerOption, d.maxWaitMs)
    .option("--no-batching", "decode each request on its own")
    .option("--max-queue <n>", "most requests waiting; beyond, 503 with Retry-After", integerOption, d.maxQueue)
    .option("--max-body-bytes <n>", "largest request body; beyond, 413", integerOption, d.maxBodyBytes)
    .option("--max-texts <n>", "most texts in one request; beyond, 413", integerOption, d.maxTexts)
    .option("--deadline-ms <n>", "a request still waiting this long after it arrived gets a 504", integerOption, d.deadlineMs)
    .option("--headers-timeout-ms <n>", "a client must send its headers within this (408 after)", integerOption, d.headersTimeoutMs)
    .option("--request-timeout-ms <n>", "...and its whole request within this (408 after)", integerOption, d.requestTimeoutMs)
    .addHelpText("after", `
Texts longer than the model's max_len tokens are truncated (translate and classify keep their first tokens,
generate a prompt's last ones) and the answer says by how much ("truncated_tokens"). SIGTERM (or Ctrl-C) stops
accepting requests, finishes those in flight and exits 0. See README.md, "Serving", for the API.`)
    .action(async (flags: ServeFlags) => {
      const apiKey = flags.apiKeyFile === undefined ? undefined : readApiKeyFile(flags.apiKeyFile);
      const checkpoint = checkpointOrShipped(flags.checkpoint, "serve");
      const parts = loadForInference(checkpoint);
      const server = await startServer(parts, {
        host: flags.host, port: flags.port, apiKey,
        maxBatchTokens: flags.maxBatchTokens, maxWaitMs: flags.maxWaitMs, batching: flags.batching, maxQueue: flags.maxQueue,
        maxBodyBytes: flags.maxBodyBytes, maxTexts: flags.maxTexts, deadlineMs: flags.deadlineMs,
        headersTimeoutMs: flags.headersTimeoutMs, requestTimeoutMs: flags.requestTimeoutMs,
      });
      process.stdout.write(`transformer: backend ${describeBackend()}\n`); // before the line a client waits for
      process.stdout.write(`transformer: serving the ${parts.config.architecture} model of ${checkpoint} on ${server.url}\n`);
      const stop = () => {
        process.stdout.write("transformer: draining: finishing the requests in flight\n");
        // exit explicitly: the backend's worker threads would keep the process alive after the server closes
        void server.close().then(() => process.exit(0));
      };
      process.once("SIGTERM", stop);
      process.once("SIGINT", stop);
    });
}
