import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { type Command, Option } from "commander";
import { benchDecode } from "../../bench/decode.js";
import { benchHfGenerate } from "../../bench/hf-generate.js";
import { benchTrain } from "../../bench/train.js";
import { benchGemm, benchNumpy, TRANSFORMER_SHAPES } from "../../bench/gemm.js";
import { benchExport, formatExportBench } from "../../bench/export.js";
import { benchServeFault } from "../../bench/fault.js";
import { benchServe } from "../../bench/serve.js";
import { formatFault, formatServeRuns } from "../../bench/serve-report.js";
import { checkpointOrShipped } from "../../run/index.js";
import { PRESETS } from "../../train/presets.js";
import { integerOption, numberOption } from "../options.js";

/** `bench decode`: decoding speed on the small preset (src/bench/decode.ts), beside PyTorch's (bench/decode_torch.py). */
export function registerBenchDecode(bench: Command): void {
  bench
    .command("decode")
    .description("greedy tokens/s with and without the KV cache, and beam-4 tokens/s (small preset, random weights, 32 source tokens, 64 new tokens), beside PyTorch CPU")
    .option("--json", "print the results as JSON")
    .option("--repeats <n>", "timed runs of each search; the fastest is reported", integerOption, 1)
    .option("--no-peer", "skip the PyTorch measurement")
    .action((opts: { json?: boolean; repeats: number; peer: boolean }) => {
      const log = opts.json ? undefined : (line: string) => process.stdout.write(line + "\n");
      const repeats = Math.max(1, opts.repeats);
      const ours = benchDecode({ repeats, log });
      // nn.Transformer has no KV cache: PyTorch's greedy decoding re-runs the decoder over every token each step
      const torch = opts.peer ? runPythonPeer("decode_torch.py", ["--threads", "2", "--repeats", String(repeats)]) : null;
      const torchRate = torch ? (torch.greedy_uncached_tokens_per_s as number) : null;
      const r = {
        ...ours,
        ...(torchRate ? {
          torch_greedy_uncached_tokens_per_s: Math.round(torchRate * 100) / 100,
          cached_vs_torch: Math.round((ours.greedy_cached_tokens_per_s / torchRate) * 100) / 100,
          uncached_vs_torch: Math.round((ours.greedy_uncached_tokens_per_s / torchRate) * 100) / 100,
        } : {}),
      };
      if (opts.json) {
        process.stdout.write(JSON.stringify(r, null, 2) + "\n");
        return;
      }
      process.stdout.write(`KV cache speed-up (greedy): ${r.cache_speedup}×\n`);
      if (torch) {
        process.stdout.write(`PyTorch ${torch.torch} nn.Transformer (2 threads, no cache): ${torchRate!.toFixed(1)} tokens/s; ` +
          `our cached greedy is ${r.cached_vs_torch}× that, our uncached ${r.uncached_vs_torch}×\n`);
      }
    });
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");
/** Debian's python3 (where python3-torch and numpy live), not whatever python3 is first on PATH. */
const SYSTEM_PYTHON = "/usr/bin/python3";

/** Runs a Python peer script that prints one JSON object; null (with the reason on stderr) when it cannot run. */
export function runPythonPeer(script: string, args: string[]): Record<string, unknown> | null {
  const file = path.join(ROOT, "bench", script);
  if (!fs.existsSync(SYSTEM_PYTHON)) {
    process.stderr.write(`bench: no ${SYSTEM_PYTHON}; peer ${script} skipped\n`);
    return null;
  }
  const r = spawnSync(SYSTEM_PYTHON, [file, ...args], { encoding: "utf8" });
  if (r.status !== 0) {
    process.stderr.write(`bench: peer ${script} failed (${(r.stderr || "").trim().split("\n").at(-1)}); install Debian's python3-torch / python3-numpy to compare\n`);
    return null;
  }
  return JSON.parse(r.stdout.trim().split("\n").at(-1)!);
}

/** `bench train`: one training step of a preset, beside PyTorch's (bench/train_torch.py) in the same run. */
export function registerBenchTrain(bench: Command): void {
  bench
    .command("train")
    .description("training step time and tokens/s (seq2seq, 8k vocabularies, 64×32 source + 64×32 target tokens, Adam), beside PyTorch CPU")
    .addOption(new Option("--preset <name>", "model size").choices(Object.keys(PRESETS)).default("small"))
    .option("--steps <n>", "timed steps", integerOption, 3)
    .option("--no-peer", "skip the PyTorch measurement")
    .option("--json", "print the results as JSON")
    .action((opts: { preset: string; steps: number; peer: boolean; json?: boolean }) => {
      const log = opts.json ? undefined : (line: string) => process.stderr.write(line + "\n");
      const ours = benchTrain({ preset: opts.preset, steps: opts.steps, log });
      const torch = opts.peer ? runPythonPeer("train_torch.py", ["--preset", opts.preset, "--steps", String(opts.steps), "--threads", "2"]) : null;
      const result = {
        ...ours,
        ...(torch ? { torch_step_s: torch.step_s as number, torch_tokens_per_s: torch.tokens_per_s as number, speedup_vs_torch: (torch.step_s as number) / ours.step_s } : {}),
      };
      if (opts.json) process.stdout.write(JSON.stringify(result, null, 2) + "\n");
      else {
        process.stdout.write(`${opts.preset}: ${ours.step_s.toFixed(3)} s/step, ${Math.round(ours.tokens_per_s).toLocaleString("en")} tokens/s (${ours.backend})\n`);
        if (torch) process.stdout.write(`PyTorch ${torch.torch} (2 threads): ${(torch.step_s as number).toFixed(3)} s/step; ours is ${result.speedup_vs_torch!.toFixed(2)}× faster\n`);
      }
    });
}

/** `bench gemm`: GFLOPS at transformer shapes and 1024³, beside numpy/OpenBLAS measured in the same run. */
export function registerBenchGemm(bench: Command): void {
  bench
    .command("gemm")
    .description("GEMM GFLOPS at the small preset's shapes and 1024x1024x1024, beside numpy/OpenBLAS in the same run")
    .addOption(new Option("--backend <name>", "kernels to measure").choices(["js", "wasm", "native"]).default("native"))
    .option("--threads <n>", "threads (default: the number of cores)", integerOption)
    .option("--no-peer", "skip the numpy measurement")
    .option("--json", "print a JSON list of rows {m, n, k, gflops, numpy_gflops, ratio}")
    .action(async (opts: { backend: "js" | "wasm" | "native"; threads?: number; peer: boolean; json?: boolean }) => {
      const ours = await benchGemm({ backend: opts.backend, threads: opts.threads });
      let numpy: ReturnType<typeof benchNumpy> | null = null;
      if (opts.peer) {
        try {
          numpy = benchNumpy(TRANSFORMER_SHAPES, opts.threads);
        } catch (e) {
          process.stderr.write(`bench: numpy peer skipped (${(e as Error).message.split("\n")[0]})\n`);
        }
      }
      const rows = ours.map((r) => {
        const peer = numpy?.results.find((p) => p.m === r.m && p.n === r.n && p.k === r.k);
        return { m: r.m, n: r.n, k: r.k, gflops: r.gflops, ...(peer ? { numpy_gflops: peer.gflops, ratio: r.gflops / peer.gflops } : {}) };
      });
      if (opts.json) {
        process.stdout.write(JSON.stringify(rows, null, 2) + "\n");
        return;
      }
      process.stdout.write(`${"m".padStart(5)} ${"n".padStart(5)} ${"k".padStart(5)}  ${opts.backend.padStart(6)} GFLOPS  numpy GFLOPS  ratio\n`);
      for (const r of rows) {
        process.stdout.write(`${String(r.m).padStart(5)} ${String(r.n).padStart(5)} ${String(r.k).padStart(5)}  ${r.gflops.toFixed(1).padStart(13)}  ${(r.numpy_gflops?.toFixed(1) ?? "-").padStart(12)}  ${r.ratio !== undefined ? (100 * r.ratio).toFixed(0) + "%" : "-"}\n`);
      }
    });
}

/**
 * `bench serve`: `transformer serve` under load on loopback (src/bench/serve.ts), batching on and off in one run;
 * with --fault, a server SIGKILLed under load and replaced on its port (src/bench/fault.ts).
 */
export function registerBenchServe(bench: Command): void {
  bench
    .command("serve")
    .description("POST /v1/translate under load (autocannon, loopback): sentences/s, p50/p95/p99 latency, failures by kind (503 apart), the server's RSS over the run, with batching on and off; --fault: SIGKILL and restart under load")
    .option("--checkpoint <dir>", "seq2seq checkpoint to serve; default: the shipped English→Spanish model, models/en-es")
    .option("--data <file>", "TSV whose english column holds the texts sent", path.join(ROOT, "data/bible/web-sparv.test.tsv.gz"))
    .option("--connections <n>", "concurrent clients", integerOption, 16)
    .option("--seconds <n>", "seconds of load per mode", integerOption, 10)
    .option("--timeout <s>", "a request unanswered this long counts as a timeout; default 70, past the server's 60 s --deadline-ms, so that a slow answer shows as its 504 (with --fault: as hung; default 10)", integerOption)
    .option("--fault", "instead: SIGKILL the server partway through the load, start a new one on its port at once, and account for every request")
    .option("--kill-after <s>", "with --fault: seconds of load before the kill (default: a third of --seconds)", numberOption)
    .option("--json", "print the results as JSON")
    .action(async (opts: { checkpoint?: string; data: string; connections: number; seconds: number; timeout?: number; fault?: boolean; killAfter?: number; json?: boolean }) => {
      const checkpoint = checkpointOrShipped(opts.checkpoint, "bench serve");
      const common = { checkpoint, data: opts.data, connections: opts.connections, seconds: opts.seconds, timeoutSeconds: opts.timeout, log: (line: string) => process.stderr.write(line + "\n") };
      const result = opts.fault ? await benchServeFault({ ...common, killAfterSeconds: opts.killAfter }) : await benchServe(common);
      if (opts.json) process.stdout.write(JSON.stringify(result, null, 2) + "\n");
      else process.stdout.write(Array.isArray(result) ? formatServeRuns(result) : formatFault(result));
    });
}

/** `bench hf-generate`: greedy generation on a Hugging Face GPT-2 folder, beside transformers' generate() (src/bench/hf-generate.ts). */
export function registerBenchHfGenerate(bench: Command): void {
  bench
    .command("hf-generate")
    .description("greedy tokens/s with the KV cache on a Hugging Face GPT-2 folder, beside transformers' generate() (PyTorch CPU, use_cache) on the same weights, alternating rounds")
    .requiredOption("--checkpoint <dir>", "a Hugging Face GPT-2 folder (e.g. one scripts/hf/make_gpt2_124m.py writes)")
    .option("--python <exe>", "Python with torch and transformers, for the peer", "python3")
    .option("--new-tokens <n>", "new tokens per generation", integerOption, 64)
    .option("--rounds <n>", "rounds (each side once a round); the fastest of each is reported", integerOption, 3)
    .option("--json", "print the results as JSON")
    .action(async (opts: { checkpoint: string; python: string; newTokens: number; rounds: number; json?: boolean }) => {
      const log = opts.json ? undefined : (line: string) => process.stderr.write(line + "\n");
      const r = await benchHfGenerate({ checkpoint: opts.checkpoint, python: opts.python, newTokens: opts.newTokens, rounds: Math.max(1, opts.rounds), log });
      if (opts.json) process.stdout.write(JSON.stringify(r, null, 2) + "\n");
      else {
        process.stdout.write(`ours (${r.backend}): ${r.ours_tokens_per_s} tokens/s; transformers ${r.peer.transformers} (torch ${r.peer.torch}, ${r.peer.threads} threads): ` +
          `${r.transformers_tokens_per_s} tokens/s; ours is ${r.ratio}x; same ids: ${r.same_ids}\n`);
      }
    });
}

/** `bench export`: our greedy and beam-4 decoding beside ONNX Runtime running our export of the model (src/bench/export.ts). */
export function registerBenchExport(bench: Command): void {
  bench
    .command("export")
    .description("translate test verses with our cached greedy and beam-4 decoding and with ONNX Runtime on our ONNX export of the model (exported to a temporary folder), alternating, 2 threads each: sentences/s, tokens/s, ours/ORT, verses whose ids differ")
    .option("--checkpoint <dir>", "seq2seq checkpoint; default: the shipped English→Spanish model, models/en-es")
    .option("--data <file>", "TSV whose english column holds the verses", path.join(ROOT, "data/bible/web-sparv.test.tsv.gz"))
    .option("--sentences <n>", "verses translated (the file's first ones)", integerOption, 32)
    .option("--batch-size <n>", "sentences a batch in the batched setting", integerOption, 8)
    .option("--rounds <n>", "timed rounds; the fastest of each setting is reported", integerOption, 3)
    .option("--threads <n>", "threads of each side (ours: the native backend; ORT: intraOpNumThreads)", integerOption, 2)
    .option("--json", "print the results as JSON")
    .action(async (opts: { checkpoint?: string; data: string; sentences: number; batchSize: number; rounds: number; threads: number; json?: boolean }) => {
      const checkpoint = checkpointOrShipped(opts.checkpoint, "bench export");
      const r = await benchExport({ ...opts, checkpoint, log: (line) => process.stderr.write(line + "\n") });
      process.stdout.write(opts.json ? JSON.stringify(r, null, 2) + "\n" : formatExportBench(r));
    });
}

/** The subcommands of `bench`. */
export const benchSubcommands: Array<(bench: Command) => void> = [registerBenchDecode, registerBenchTrain, registerBenchGemm, registerBenchServe, registerBenchHfGenerate, registerBenchExport];

export function registerBench(program: Command): void {
  const bench = program.command("bench").description("measure the speed of parts of the library");
  for (const register of benchSubcommands) register(bench);
}
