import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { type Command, InvalidArgumentError, Option } from "commander";
import type { Backend } from "../../backend/backend.js";
import { backend } from "../../backend/index.js";
import { BACKEND_NAMES, useBackend } from "../../backend/select.js";
import { benchDecode } from "../../bench/decode.js";
import { benchHfGenerate } from "../../bench/hf-generate.js";
import { benchTrain } from "../../bench/train.js";
import { peerPython } from "../../bench/peer-python.js";
import { benchGemm, benchPeer, GEMM_PEERS, parseShapes, TRANSFORMER_SHAPES, type GemmPeer, type GemmShape, type PeerReport } from "../../bench/gemm.js";
import { ranOn } from "../../bench/ran-on.js";
import { benchExport, formatExportBench } from "../../bench/export.js";
import { benchServeFault } from "../../bench/fault.js";
import { benchServe } from "../../bench/serve.js";
import { formatFault, formatServeRuns } from "../../bench/serve-report.js";
import { checkpointOrShipped } from "../../run/index.js";
import { OptionError } from "../../errors.js";
import { PRESETS } from "../../train/presets.js";
import { integerOption, numberOption } from "../options.js";

/** commander parser for a count that must be at least 1. */
function positiveOption(value: string): number {
  const n = integerOption(value);
  if (n < 1) throw new InvalidArgumentError(`expected an integer ≥ 1, got "${value}"`);
  return n;
}

/** `--backend NAME`, as bench decode, train and gemm take it: commander refuses a name not in the list, in one line. */
function backendOption(): Option {
  return new Option("--backend <name>", "kernels to measure (default: TRANSFORMER_BACKEND, else webgpu on a hardware GPU, else the fastest that loads: native, wasm, js)").choices(BACKEND_NAMES);
}

/** `--peer-device cpu|cuda`: where the PyTorch peer runs (cuda: f32 with TF32 off, timed between torch.cuda.synchronize()). */
function peerDeviceOption(): Option {
  return new Option("--peer-device <device>", "where the PyTorch peer runs").choices(["cpu", "cuda"]).default("cpu");
}

/**
 * Sets the backend a bench measures from its --backend (and --threads, where it has one). The CLI has already set
 * the one TRANSFORMER_BACKEND names (or the fastest) before the command runs; a flag naming another backend than
 * TRANSFORMER_BACKEND is refused rather than either silently winning, so that a number is never filed under the
 * wrong kernels because of a variable left in a shell. The backend it replaces is disposed.
 */
export async function backendFromFlags(flag: string | undefined, threads?: number): Promise<void> {
  const env = process.env.TRANSFORMER_BACKEND || undefined;
  if (flag !== undefined && env !== undefined && flag !== env) {
    throw new OptionError("backend", `${flag} conflicts with TRANSFORMER_BACKEND=${env}: unset the variable, or give the same name in both`);
  }
  if ((flag === undefined || flag === env) && threads === undefined) return; // the CLI set it already
  const before = backend();
  const after = await useBackend(flag ?? env, threads);
  if (after !== before) await (before as Backend & { dispose?: () => unknown }).dispose?.();
}

/** --peer-device given where no PyTorch peer runs: refused, not ignored. */
function checkPeerDevice(peer: string | false, device: string): void {
  if (peer === "torch") peerPython(); // a TRANSFORMER_PEER_PYTHON that is not there stops the command before it measures
  if (device === "cpu") return;
  if (peer === false) throw new OptionError("peerDevice", `${device} applies to the peer, which --no-peer skips`);
  if (peer !== "torch") throw new OptionError("peerDevice", `${device} applies to --peer torch; ${peer} runs on the CPU`);
}

/** The peer line's device: "2 threads" on the CPU, "cuda, NVIDIA H200, TF32 off" on a GPU. */
function peerWhere(peer: Record<string, unknown>): string {
  return peer.device === "cuda" ? `cuda, ${String(peer.device_name)}, TF32 off` : `${String(peer.threads)} threads`;
}

/** `bench decode`: decoding speed on the small preset (src/bench/decode.ts), beside PyTorch's (bench/decode_torch.py). */
export function registerBenchDecode(bench: Command): void {
  bench
    .command("decode")
    .description("greedy tokens/s with and without the KV cache, and beam-4 tokens/s (small preset, random weights, by default 32 source tokens, 64 new tokens), beside PyTorch")
    .addOption(backendOption())
    .option("--json", "print the results as JSON")
    .option("--repeats <n>", "timed runs of each search; the fastest is reported", integerOption, 1)
    .option("--src-len <n>", "source tokens", positiveOption, 32)
    .option("--new-tokens <n>", "new tokens per search", positiveOption, 64)
    .option("--no-peer", "skip the PyTorch measurement")
    .addOption(peerDeviceOption())
    .action(async (opts: { backend?: string; json?: boolean; repeats: number; srcLen: number; newTokens: number; peer: boolean; peerDevice: string }) => {
      checkPeerDevice(opts.peer && "torch", opts.peerDevice);
      await backendFromFlags(opts.backend);
      const log = opts.json ? undefined : (line: string) => process.stdout.write(line + "\n");
      const repeats = Math.max(1, opts.repeats);
      const ours = benchDecode({ repeats, srcLen: opts.srcLen, newTokens: opts.newTokens, log });
      // nn.Transformer has no KV cache: PyTorch's greedy decoding re-runs the decoder over every token each step
      const torch = opts.peer
        ? runPythonPeer("decode_torch.py", [
          "--threads", "2", "--repeats", String(repeats), "--src-len", String(opts.srcLen), "--new-tokens", String(opts.newTokens), "--device", opts.peerDevice,
        ])
        : null;
      const torchRate = torch ? (torch.greedy_uncached_tokens_per_s as number) : null;
      const r = {
        ...ours,
        ...(torchRate ? {
          torch_device: torch!.device as string,
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
        process.stdout.write(`PyTorch ${torch.torch} nn.Transformer (${peerWhere(torch)}, no cache): ${torchRate!.toFixed(1)} tokens/s; ` +
          `our cached greedy is ${r.cached_vs_torch}× that, our uncached ${r.uncached_vs_torch}×\n`);
      }
    });
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");
/** Runs a Python peer script that prints one JSON object; null (with the reason on stderr) when it cannot run. */
export function runPythonPeer(script: string, args: string[]): Record<string, unknown> | null {
  const file = path.join(ROOT, "bench", script);
  const python = peerPython();
  if (!fs.existsSync(python)) {
    process.stderr.write(`bench: no ${python}; peer ${script} skipped\n`);
    return null;
  }
  const r = spawnSync(python, [file, ...args], { encoding: "utf8" });
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
    .description("training step time and tokens/s (seq2seq, by default 8k vocabularies, 64×32 source + 64×32 target tokens, Adam), beside PyTorch")
    .addOption(backendOption())
    .addOption(new Option("--preset <name>", "model size").choices(Object.keys(PRESETS)).default("small"))
    .option("--steps <n>", "timed steps", integerOption, 3)
    .option("--batch <n>", "sentence pairs a step", positiveOption, 64)
    .option("--len <n>", "source and target tokens a sentence", positiveOption, 32)
    .option("--vocab <n>", "source and target vocabulary size", positiveOption, 8000)
    .option("--no-peer", "skip the PyTorch measurement")
    .addOption(peerDeviceOption())
    .option("--json", "print the results as JSON")
    .action(async (opts: { backend?: string; preset: string; steps: number; batch: number; len: number; vocab: number; peer: boolean; peerDevice: string; json?: boolean }) => {
      checkPeerDevice(opts.peer && "torch", opts.peerDevice);
      if (opts.vocab < 4) throw new OptionError("vocab", `must be at least 4 (pad, bos, eos and one word), got ${opts.vocab}`);
      await backendFromFlags(opts.backend);
      const log = opts.json ? undefined : (line: string) => process.stderr.write(line + "\n");
      const ours = benchTrain({ preset: opts.preset, steps: opts.steps, batch: opts.batch, srcLen: opts.len, tgtLen: opts.len, vocab: opts.vocab, log });
      const torch = opts.peer
        ? runPythonPeer("train_torch.py", [
          "--preset", opts.preset, "--steps", String(opts.steps), "--batch", String(opts.batch), "--len", String(opts.len),
          "--vocab", String(opts.vocab), "--threads", "2", "--device", opts.peerDevice,
        ])
        : null;
      const result = {
        ...ours,
        ...(torch ? {
          torch_device: torch.device as string, torch_step_s: torch.step_s as number, torch_tokens_per_s: torch.tokens_per_s as number,
          speedup_vs_torch: (torch.step_s as number) / ours.step_s,
        } : {}),
      };
      if (opts.json) process.stdout.write(JSON.stringify(result, null, 2) + "\n");
      else {
        process.stdout.write(`backend: ${ours.backend}\n`);
        process.stdout.write(`${opts.preset}: ${ours.step_s.toFixed(3)} s/step, ${Math.round(ours.tokens_per_s).toLocaleString("en")} tokens/s\n`);
        if (torch) process.stdout.write(`PyTorch ${torch.torch} (${peerWhere(torch)}): ${(torch.step_s as number).toFixed(3)} s/step; ours is ${result.speedup_vs_torch!.toFixed(2)}× faster\n`);
      }
    });
}

/** GFLOPS to print: one decimal, two below 10 (a software GPU's or the reference kernels' small numbers). */
function gflops(x: number): string {
  return x.toFixed(x < 10 ? 2 : 1);
}

/** commander parser for --shapes. */
function shapesOption(value: string): GemmShape[] {
  try {
    return parseShapes(value);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

/** `bench gemm`: GFLOPS at transformer shapes and 1024³, beside numpy/OpenBLAS (or PyTorch) measured in the same run. */
export function registerBenchGemm(bench: Command): void {
  bench
    .command("gemm")
    .description("GEMM GFLOPS at the small preset's shapes and 1024x1024x1024, beside numpy/OpenBLAS (or PyTorch's torch.mm, CPU or CUDA) in the same run")
    .addOption(backendOption())
    .option("--threads <n>", "threads of the wasm and native backends and of the peer (default: the number of cores)", integerOption)
    .option("--shapes <list>", "M,N,K;M,N,K... (default: the small preset's shapes and 1024³)", shapesOption)
    .addOption(new Option("--peer <name>", "the measurement beside ours").choices(GEMM_PEERS).default("numpy"))
    .option("--no-peer", "skip the peer's measurement")
    .addOption(peerDeviceOption())
    .option("--json", "print JSON: {backend, adapter (webgpu), peer, results: [{m, n, k, gflops, <peer>_gflops, ratio}]}")
    .action(async (opts: { backend?: string; threads?: number; shapes?: GemmShape[]; peer: GemmPeer | false; peerDevice: string; json?: boolean }) => {
      checkPeerDevice(opts.peer, opts.peerDevice);
      await backendFromFlags(opts.backend, opts.threads);
      const on = ranOn();
      const shapes = opts.shapes ?? TRANSFORMER_SHAPES;
      const ours = await benchGemm({ backend: backend(), shapes });
      let peer: PeerReport | null = null;
      if (opts.peer) {
        try {
          peer = benchPeer(opts.peer, shapes, { threads: opts.threads, device: opts.peerDevice });
        } catch (e) {
          process.stderr.write(`bench: ${opts.peer} peer skipped (${(e as Error).message.split("\n")[0]})\n`);
        }
      }
      const key = `${opts.peer}_gflops`;
      const results = ours.map((r) => {
        const p = peer?.results.find((x) => x.m === r.m && x.n === r.n && x.k === r.k);
        return { m: r.m, n: r.n, k: r.k, gflops: r.gflops, ...(p ? { [key]: p.gflops, ratio: r.gflops / p.gflops } : {}) };
      });
      const { results: _, ...peerInfo } = peer ?? { results: [] };
      if (opts.json) {
        process.stdout.write(JSON.stringify({ ...on, ...(peer ? { peer: { name: opts.peer, ...peerInfo } } : {}), results }, null, 2) + "\n");
        return;
      }
      process.stdout.write(`backend: ${on.backend}\n`);
      if (peer) process.stdout.write(`peer: ${opts.peer === "torch" ? `torch ${peer.torch} ${peer.device === "cuda" ? `cuda (${peer.device_name}), TF32 off` : "cpu"}` : `numpy ${peer.numpy}`}\n`);
      const peerName = `${opts.peer || "peer"} GFLOPS`;
      process.stdout.write(`${"m".padStart(5)} ${"n".padStart(5)} ${"k".padStart(5)}  ${"GFLOPS".padStart(13)}  ${peerName.padStart(12)}  ratio\n`);
      for (const r of results) {
        const p = (r as Record<string, number>)[key] as number | undefined;
        process.stdout.write(`${String(r.m).padStart(5)} ${String(r.n).padStart(5)} ${String(r.k).padStart(5)}  ${gflops(r.gflops).padStart(13)}  ${(p !== undefined ? gflops(p) : "-").padStart(12)}  ${r.ratio !== undefined ? (100 * r.ratio).toFixed(0) + "%" : "-"}\n`);
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
