/**
 * `bench export`: our decoding beside ONNX Runtime running our ONNX export of the same checkpoint, in one run.
 * The checkpoint is exported to a temporary folder the bench owns (removed when it ends); then greedy search and
 * beam search (4 beams, α 0.6) translate the same test verses, one at a time and in batches, each setting timed in
 * rounds that alternate ours and ORT's (ORT first in odd rounds), so that both sample the same stretch of a
 * shared machine; the fastest round of each is reported. ORT's searches are the library's own (ort-greedy.ts, and
 * ort-beam.ts driving beamSteps), so equal logits give equal ids: the bench counts the verses whose ids differ.
 * Both sides get the same threads: ours the native backend's pool, ORT intraOpNumThreads (interOpNumThreads 1).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { useBackend } from "../backend/select.js";
import { readTsv } from "../data/files.js";
import { OptionError } from "../errors.js";
import { exportOnnx } from "../export/export.js";
import { ortBeamSeq2Seq } from "../export/ort-beam.js";
import { ortGreedySeq2Seq } from "../export/ort-greedy.js";
import { DECODER_MERGED_FILE, ENCODER_FILE } from "../export/seq2seq.js";
import type { OrtSeq2SeqSessions } from "../export/ort-stepper.js";
import { type GenerationConfig, generate } from "../generate/index.js";
import type { Seq2Seq } from "../models/index.js";
import { loadForInference } from "../run/inference.js";

export interface ExportBenchOptions {
  checkpoint: string;
  /** TSV whose `english` column holds the verses translated (its first `sentences` rows). */
  data: string;
  /** @default 32 */
  sentences?: number;
  /** Sentences a batch in the batched setting (verses sorted by length, as translateCorpus batches them). @default 8 */
  batchSize?: number;
  /** Timed rounds; each setting's fastest is reported. @default 3 */
  rounds?: number;
  /** Threads of each side. @default 2 */
  threads?: number;
  log?: (line: string) => void;
}

export interface EngineTiming {
  seconds: number;
  sentences_per_s: number;
  /** Generated tokens (of the best hypothesis, eos included) per second. */
  tokens_per_s: number;
  tokens: number;
}

export interface ExportBenchRow {
  search: "greedy" | "beam 4";
  batch_size: number;
  ours: EngineTiming;
  ort: EngineTiming;
  /** ORT's seconds ÷ ours: how many times ORT's sentences/s ours is. */
  ours_vs_ort: number;
  /** Verses whose generated ids differ between ours and ORT's. */
  mismatches: number;
}

export interface ExportBenchResult {
  checkpoint: string;
  sentences: number;
  source_tokens: number;
  rounds: number;
  threads: number;
  onnxruntime: string;
  rows: ExportBenchRow[];
}

type Translate = (batch: number[][]) => Promise<number[][]>;

const SEARCHES: Array<{ search: ExportBenchRow["search"]; config: GenerationConfig }> = [
  { search: "greedy", config: { strategy: "greedy" } },
  { search: "beam 4", config: { strategy: "beam", numBeams: 4 } },
];

async function loadOrt(): Promise<typeof import("onnxruntime-node")> {
  try {
    return await import("onnxruntime-node");
  } catch {
    throw new OptionError("bench export needs onnxruntime-node, a devDependency: npm install onnxruntime-node");
  }
}

/** Batches of `size` sentences, sorted by length first (less padding) when batched. */
function batches(sources: number[][], size: number): { order: number[]; batches: number[][][] } {
  const order = sources.map((_, i) => i);
  if (size > 1) order.sort((a, b) => sources[a].length - sources[b].length || a - b);
  const out: number[][][] = [];
  for (let i = 0; i < order.length; i += size) out.push(order.slice(i, i + size).map((j) => sources[j]));
  return { order, batches: out };
}

/** Translates every sentence in batches; the ids in the sentences' order, and the seconds it took. */
async function timed(translate: Translate, sources: number[][], size: number): Promise<{ ids: number[][]; seconds: number }> {
  const { order, batches: bs } = batches(sources, size);
  const ids = new Array<number[]>(sources.length);
  let k = 0;
  const t0 = performance.now();
  for (const b of bs) for (const r of await translate(b)) ids[order[k++]] = r;
  return { ids, seconds: (performance.now() - t0) / 1000 };
}

function timing(seconds: number, ids: number[][]): EngineTiming {
  const tokens = ids.reduce((n, r) => n + r.length, 0);
  return { seconds: round(seconds, 3), sentences_per_s: round(ids.length / seconds, 2), tokens_per_s: round(tokens / seconds, 1), tokens };
}

export async function benchExport(o: ExportBenchOptions): Promise<ExportBenchResult> {
  const log = o.log ?? (() => {});
  const [count, size, rounds, threads] = [o.sentences ?? 32, o.batchSize ?? 8, o.rounds ?? 3, o.threads ?? 2];
  for (const [key, v] of [["sentences", count], ["batchSize", size], ["rounds", rounds], ["threads", threads]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new OptionError(key, `must be an integer ≥ 1, got ${v}`);
  }
  const ort = await loadOrt();
  try {
    await useBackend("native", threads);
  } catch (e) {
    if (e instanceof OptionError) throw e;
    throw new OptionError(`bench export measures the native backend, which does not load here (${(e as Error).message.split("\n")[0]})`);
  }
  const { model, srcTokenizer } = loadForInference(o.checkpoint);
  if (model.config.architecture !== "seq2seq") throw new OptionError("checkpoint", `${o.checkpoint}: a ${model.config.architecture} model; bench export translates with a seq2seq one`);
  const s2s = model as Seq2Seq;
  const texts = readTsv(o.data, { columns: ["english"] }).rows.map((r) => r[0]).slice(0, count);
  const sources = texts.map((t) => srcTokenizer.encode(t).slice(0, s2s.config.max_len)).filter((ids) => ids.length > 0);
  if (sources.length === 0) throw new OptionError("data", `${o.data}: no non-empty verse in its english column`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "transformer-bench-export-"));
  const remove = (): void => fs.rmSync(dir, { recursive: true, force: true });
  const onSignal = (signal: NodeJS.Signals): void => {
    remove();
    process.kill(process.pid, signal);
  };
  process.once("SIGINT", onSignal).once("SIGTERM", onSignal);
  try {
    log(`exporting ${o.checkpoint} to ${dir}`);
    exportOnnx(s2s, dir);
    const options = { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: "all" as const };
    const open = (f: string) => ort.InferenceSession.create(path.join(dir, f), options);
    const sessions: OrtSeq2SeqSessions = { encoder: await open(ENCODER_FILE), decoderMerged: await open(DECODER_MERGED_FILE) };
    const engines = (config: GenerationConfig): Record<"ours" | "ort", Translate> => ({
      ours: async (b) => generate(s2s, b, config).results.map((r) => r[0].tokens),
      ort: config.strategy === "beam"
        ? async (b) => (await ortBeamSeq2Seq(ort, sessions, s2s.config, b, config)).map((r) => r[0].tokens)
        : async (b) => (await ortGreedySeq2Seq(ort, sessions, s2s.config, b)).map((r) => r.tokens),
    });
    for (const { config } of SEARCHES) for (const t of Object.values(engines(config))) await timed(t, sources.slice(0, 2), 2); // warm up
    log(`${sources.length} verses (${sources.reduce((n, s) => n + s.length, 0)} source tokens), batch 1 and ${size}, ${rounds} rounds, ${threads} threads each`);
    const settings = SEARCHES.flatMap((s) => [1, size].map((batchSize) => ({ ...s, batchSize })));
    const best = settings.map(() => ({ ours: { seconds: Infinity, ids: [] as number[][] }, ort: { seconds: Infinity, ids: [] as number[][] }, mismatches: 0 }));
    for (let r = 0; r < rounds; r++) {
      for (const [i, st] of settings.entries()) {
        const e = engines(st.config);
        const sides = r % 2 === 0 ? (["ours", "ort"] as const) : (["ort", "ours"] as const);
        const got: Record<string, { ids: number[][]; seconds: number }> = {};
        for (const side of sides) {
          got[side] = await timed(e[side], sources, st.batchSize);
          if (got[side].seconds < best[i][side].seconds) best[i][side] = got[side];
        }
        const mismatches = got.ours.ids.filter((ids, k) => ids.join() !== got.ort.ids[k].join()).length;
        best[i].mismatches = Math.max(best[i].mismatches, mismatches);
        log(`round ${r + 1}/${rounds} ${st.search}, batch ${st.batchSize}: ours ${got.ours.seconds.toFixed(2)} s, ORT ${got.ort.seconds.toFixed(2)} s` +
          (mismatches ? `, ${mismatches} verses' ids differ` : ", ids equal"));
      }
    }
    return {
      checkpoint: o.checkpoint, sentences: sources.length, source_tokens: sources.reduce((n, s) => n + s.length, 0), rounds, threads,
      onnxruntime: ort.env.versions.common,
      rows: settings.map((st, i) => ({
        search: st.search, batch_size: st.batchSize,
        ours: timing(best[i].ours.seconds, best[i].ours.ids), ort: timing(best[i].ort.seconds, best[i].ort.ids),
        ours_vs_ort: round(best[i].ort.seconds / best[i].ours.seconds, 2), mismatches: best[i].mismatches,
      })),
    };
  } finally {
    process.off("SIGINT", onSignal).off("SIGTERM", onSignal);
    remove();
  }
}

/** The rows as a table, with the conditions under it. */
export function formatExportBench(r: ExportBenchResult): string {
  const lines = [
    `search  batch  ours sent/s  ours tok/s  ORT sent/s  ORT tok/s  ours/ORT  ids differ`,
    ...r.rows.map((x) => `${x.search.padEnd(6)}  ${String(x.batch_size).padStart(5)}  ${x.ours.sentences_per_s.toFixed(2).padStart(11)}  ${x.ours.tokens_per_s.toFixed(1).padStart(10)}  ` +
      `${x.ort.sentences_per_s.toFixed(2).padStart(10)}  ${x.ort.tokens_per_s.toFixed(1).padStart(9)}  ${(x.ours_vs_ort.toFixed(2) + "×").padStart(8)}  ${String(x.mismatches).padStart(4)}/${r.sentences}`),
    `${r.sentences} verses, ${r.source_tokens} source tokens; fastest of ${r.rounds} rounds; ours: native backend, ${r.threads} threads; ` +
      `ONNX Runtime ${r.onnxruntime} (CPU, intraOpNumThreads ${r.threads}, interOpNumThreads 1)`,
  ];
  return lines.join("\n") + "\n";
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
