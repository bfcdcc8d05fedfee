/**
 * A tiny English→Spanish checkpoint for the browser tests, trained for two steps by the library's own trainer on
 * a few short Bible verses (separate source and target vocabularies, so tokenizer.target.json is exercised), and
 * the translations the library computes for it in Node: what the page must reproduce.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { type Backend, jsBackend, setBackend } from "../../src/backend/index.js";
import { createWasmBackend } from "../../src/backend/wasm/index.js";
import { type GenerationConfig, generate } from "../../src/generate/index.js";
import { loadCheckpoint } from "../../src/models/checkpoint.js";
import type { Seq2Seq } from "../../src/models/seq2seq.js";
import { loadTokenizer } from "../../src/tokenizer/file.js";
import { trainModel } from "../../src/run/index.js";
import { ROOT } from "./harness.js";

export const CHECKPOINT_FILES = ["config.json", "model.safetensors", "tokenizer.json", "tokenizer.target.json"];

/** Writes a TSV of short verse pairs and trains two steps on it into `dir`. */
export async function trainTinyCheckpoint(dir: string, pairs = 120): Promise<void> {
  const lines = zlib.gunzipSync(fs.readFileSync(path.join(ROOT, "data", "bible", "web-sparv.train.tsv.gz"))).toString("utf8").split("\n");
  const header = lines[0].split("\t");
  const en = header.indexOf("english");
  const es = header.indexOf("spanish");
  const rows = lines.slice(1).map((l) => l.split("\t")).filter((r) => r.length === header.length && r[en].length < 70 && r[es].length < 70);
  const tsv = path.join(dir, "pairs.tsv");
  fs.writeFileSync(tsv, ["english\tspanish", ...rows.slice(0, pairs).map((r) => `${r[en]}\t${r[es]}`)].join("\n") + "\n");
  await trainModel({
    arch: "seq2seq", data: tsv, out: path.join(dir, "run"), preset: "tiny", steps: 2, seed: 1, vocabSize: 300,
    sharedVocab: false, maxLen: 48, batchTokens: 512, accum: 1, dropout: 0.1, labelSmoothing: 0.1, schedule: "noam",
    warmup: 400, lrFactor: 1, lr: 0.001, clip: 1, weightDecay: 0, logEvery: 1000, evalEvery: 1000, saveEvery: 1000,
    keep: 1, validBatches: 0, srcCol: "english", tgtCol: "spanish", textCol: "text", labelCol: "label", onBadRow: "stop",
  });
}

export interface Expected {
  ids: number[];
  text: string;
}

/**
 * The library's output for `sentence` on the checkpoint in `dir`, on the backend the page reports: "js", or a
 * WebAssembly one ("wasm-relaxed" / "wasm-simd"), whose kernels give the same numbers whatever the thread count.
 */
export async function translateInNode(dir: string, sentence: string, config: GenerationConfig, backendName: string): Promise<Expected> {
  const { model } = loadCheckpoint(dir);
  const src = loadTokenizer(path.join(dir, "tokenizer.json"));
  const targetFile = path.join(dir, "tokenizer.target.json");
  const tgt = fs.existsSync(targetFile) ? loadTokenizer(targetFile) : src;
  return onPageBackend(backendName, () => {
    const ids = generate(model as Seq2Seq, [src.encode(sentence)], config).results[0][0].tokens;
    return { ids, text: tgt.decode(ids) };
  });
}

/** `run` on the backend the page reports ("js", or a WebAssembly one), then back to the plain-JS backend. */
export async function onPageBackend<T>(backendName: string, run: () => T): Promise<T> {
  let backend: Backend = jsBackend;
  let dispose = async () => {};
  if (backendName !== "js") {
    const wasm = await createWasmBackend({ threads: 1, relaxed: backendName === "wasm-relaxed" });
    backend = wasm;
    dispose = () => wasm.dispose();
  }
  setBackend(backend);
  try {
    return run();
  } finally {
    setBackend(jsBackend);
    await dispose();
  }
}
