/**
 * Greedy generation on a Hugging Face GPT-2 folder (e.g. GPT-2 124M, scripts/hf/make_gpt2_124m.py), ours beside
 * transformers' generate() on the same weights: our cached greedy search (loadForInference, generate) and
 * transformers' (bench/hf_generate_torch.py, PyTorch CPU, use_cache) get the same prompt ids and new-token count,
 * in alternating rounds of one run (each side once a round, so both sample the same stretch of a shared machine's
 * load). Reports each side's fastest round in generated tokens per second, their ratio, and whether both produced
 * the same ids (the same weights, greedy: they should).
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { ranOn, type AdapterInfo } from "./ran-on.js";
import { generate } from "../generate/index.js";
import type { GenerativeModel } from "../models/index.js";
import { loadForInference, promptIds } from "../run/index.js";

const PEER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../bench/hf_generate_torch.py");

export interface HfGenerateBenchOptions {
  /** A Hugging Face GPT-2 folder. */
  checkpoint: string;
  /** The Python with torch and transformers that runs the peer. */
  python: string;
  prompt?: string;
  /** @default 64 */
  newTokens?: number;
  /** Rounds, each timing both sides once. @default 3 */
  rounds?: number;
  /** PyTorch's threads. @default 2 */
  torchThreads?: number;
  log?: (line: string) => void;
}

export interface HfGenerateBenchResult {
  checkpoint: string;
  prompt_tokens: number;
  new_tokens: number;
  rounds: number;
  /** The kernels ours ran on (describeBackend), and a GPU backend's adapter. */
  backend: string;
  adapter?: AdapterInfo;
  ours_tokens_per_s: number;
  ours_load_s: number;
  transformers_tokens_per_s: number;
  transformers_load_s: number;
  /** ours / transformers' tokens per second. */
  ratio: number;
  same_ids: boolean;
  peer: { torch: string; transformers: string; threads: number };
}

export const DEFAULT_PROMPT = "In the beginning God created the heavens and the earth. The earth was formless and empty.";

/** The peer process: one JSON line per request, answered in order. */
class Peer {
  private readonly lines: AsyncIterator<string>;
  private constructor(private readonly child: ChildProcess, private readonly stderr: string[]) {
    this.lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  }

  static start(python: string, args: string[]): Peer {
    const child = spawn(python, [PEER, ...args], { stdio: ["pipe", "pipe", "pipe"] });
    const stderr: string[] = [];
    child.stderr!.on("data", (b: Buffer) => stderr.push(b.toString()));
    child.on("error", (e) => stderr.push(e.message));
    return new Peer(child, stderr);
  }

  async next(): Promise<Record<string, unknown>> {
    const r = await this.lines.next();
    if (r.done) throw new Error(`bench hf-generate: the transformers peer (${path.basename(PEER)}) ended: ${this.stderr.join("").trim().split("\n").at(-1) ?? "no output"}`);
    return JSON.parse(r.value) as Record<string, unknown>;
  }

  request(ids: number[], newTokens: number): Promise<Record<string, unknown>> {
    this.child.stdin!.write(JSON.stringify({ ids, new_tokens: newTokens }) + "\n");
    return this.next();
  }

  close(): void {
    this.child.stdin!.end();
  }
}

export async function benchHfGenerate(o: HfGenerateBenchOptions): Promise<HfGenerateBenchResult> {
  const newTokens = o.newTokens ?? 64;
  const rounds = o.rounds ?? 3;
  const log = o.log ?? (() => {});
  const peer = Peer.start(o.python, ["--checkpoint", o.checkpoint, "--threads", String(o.torchThreads ?? 2)]);
  try {
    const t0 = performance.now();
    const parts = loadForInference(o.checkpoint);
    const oursLoad = (performance.now() - t0) / 1000;
    const ready = await peer.next();
    log(`loaded: ours ${oursLoad.toFixed(1)} s, transformers ${(ready.load_s as number).toFixed(1)} s (torch ${ready.torch}, ${ready.threads} threads)`);
    const model = parts.model as GenerativeModel;
    const ids = promptIds(parts, o.prompt ?? DEFAULT_PROMPT);
    const ours = (n: number): number[] => generate(model, [ids], { maxNewTokens: n }).results[0][0].tokens;
    ours(4); // warm up both
    await peer.request(ids, 4);
    let best = { ours: Infinity, theirs: Infinity };
    let oursIds: number[] = [], theirsIds: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const s0 = performance.now();
      oursIds = ours(newTokens);
      const oursS = (performance.now() - s0) / 1000;
      const reply = await peer.request(ids, newTokens);
      theirsIds = reply.ids as number[];
      const theirsS = reply.seconds as number;
      best = { ours: Math.min(best.ours, oursS / oursIds.length), theirs: Math.min(best.theirs, theirsS / theirsIds.length) };
      log(`round ${r + 1}: ours ${oursIds.length} tokens in ${oursS.toFixed(2)} s (${(oursIds.length / oursS).toFixed(1)}/s), transformers ${theirsIds.length} in ${theirsS.toFixed(2)} s (${(theirsIds.length / theirsS).toFixed(1)}/s)`);
    }
    const round2 = (x: number) => Math.round(x * 100) / 100;
    return {
      checkpoint: o.checkpoint, prompt_tokens: ids.length, new_tokens: newTokens, rounds, ...ranOn(),
      ours_tokens_per_s: round2(1 / best.ours), ours_load_s: round2(oursLoad),
      transformers_tokens_per_s: round2(1 / best.theirs), transformers_load_s: round2(ready.load_s as number),
      ratio: round2(best.theirs / best.ours),
      same_ids: oursIds.length === theirsIds.length && oursIds.every((id, i) => id === theirsIds[i]),
      peer: { torch: String(ready.torch), transformers: String(ready.transformers), threads: ready.threads as number },
    };
  } finally {
    peer.close();
  }
}
