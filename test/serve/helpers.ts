/** A real server on 127.0.0.1 (port 0) over a small checkpoint, and a client with every request bounded in time. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { buildModel, initParameters, parseConfig } from "../../src/models/index.js";
import { saveCheckpoint } from "../../src/models/checkpoint.js";
import { type InferenceParts, loadForInference } from "../../src/run/index.js";
import { type RunningServer, type ServeOptions, startServer } from "../../src/serve/index.js";
import { saveTokenizer } from "../../src/tokenizer/file.js";
import { trainTinyTokenizer, writeCheckpoint } from "../generate/checkpoints.js";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
/** The tiny English→Spanish model `npm run demo` trains (d_model 64, max_len 40): small and quick to serve. */
export const DEMO = path.join(ROOT, "test/fixtures/tiny-en-es");
export const CLI = path.join(ROOT, "dist/src/cli/main.js");

/** Each request gives up after this; a test that would wait longer fails instead of hanging. */
const REQUEST_TIMEOUT_MS = 60_000;

export function demoParts(): InferenceParts {
  return loadForInference(DEMO);
}

export function decoderOnlyParts(): InferenceParts {
  return loadForInference(writeCheckpoint("decoder_only", { seed: 5 }).dir);
}

export function encoderOnlyParts(): InferenceParts {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ckpt-encoder_only-"));
  const tok = trainTinyTokenizer();
  const config = parseConfig({
    d_model: 16, num_heads: 2, d_ff: 32, dropout: 0, max_len: 12, architecture: "encoder_only", vocab_size: tok.vocabSize,
    num_layers: 1, num_classes: 3, pooling: "mean", labels: ["joy", "anger", "calm"],
  });
  const model = buildModel(config);
  initParameters(model, 7);
  model.eval();
  saveCheckpoint(dir, model);
  saveTokenizer(tok, path.join(dir, "tokenizer.json"));
  return loadForInference(dir);
}

/** Starts a server on a free loopback port; `close` it when done. */
export function serve(parts: InferenceParts, opts: ServeOptions = {}): Promise<RunningServer> {
  return startServer(parts, { host: "127.0.0.1", port: 0, log: () => {}, ...opts });
}

export interface Reply {
  status: number;
  headers: Headers;
  json: any;
  text: string;
}

export async function request(server: RunningServer | string, route: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const url = (typeof server === "string" ? server : server.url) + route;
  const init: RequestInit = { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS), headers };
  if (body !== undefined) {
    init.method = "POST";
    init.body = typeof body === "string" ? body : JSON.stringify(body);
  }
  const res = await fetch(url, init);
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}

export interface SseEvent {
  event: string;
  data: any;
}

/** Reads a server-sent event stream; `onEvent` sees each event as it arrives. */
export async function streamEvents(url: string, body: unknown, onEvent: (e: SseEvent) => void = () => {}, headers: Record<string, string> = {}): Promise<SseEvent[]> {
  const res = await fetch(url, { method: "POST", body: JSON.stringify(body), headers, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  if (!res.headers.get("content-type")?.startsWith("text/event-stream")) throw new Error(`not a stream: ${res.status} ${await res.text()}`);
  const events: SseEvent[] = [];
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffered += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffered.indexOf("\n\n")) >= 0) {
      const block = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      let event = "message";
      let data = "";
      for (const line of block.split("\n")) {
        if (line.startsWith("event: ")) event = line.slice(7);
        else if (line.startsWith("data: ")) data += line.slice(6);
      }
      const e = { event, data: JSON.parse(data) };
      events.push(e);
      onEvent(e);
    }
  }
  return events;
}

/** The value of one series in a /metrics text, or undefined. */
export function metric(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(series + " "));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}
