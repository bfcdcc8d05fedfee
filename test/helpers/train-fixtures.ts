import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import type { TrainOptions } from "../../src/run/index.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/** The first `n` short verse pairs of the bundled test split, as a TSV in a temp folder. */
export function smallCorpus(n: number, dir: string): string {
  const lines = gunzipSync(fs.readFileSync(path.join(ROOT, "data/bible/web-sparv.test.tsv.gz"))).toString("utf8").split("\n");
  const rows = lines.slice(1).filter((l) => l && l.length < 160).slice(0, n);
  const file = path.join(dir, "pairs.tsv");
  fs.writeFileSync(file, [lines[0], ...rows].join("\n") + "\n");
  return file;
}

export function tinyOptions(data: string, out: string, steps: number): TrainOptions {
  return {
    arch: "seq2seq", data, valid: data, out, preset: "tiny", steps, seed: 3, vocabSize: 300, sharedVocab: true, tieEmbeddings: false,
    maxLen: 48, batchTokens: 300, accum: 1, dropout: 0.1, labelSmoothing: 0.1, schedule: "noam", warmup: 4,
    lrFactor: 1, lr: 1e-3, clip: 1, weightDecay: 0, logEvery: 1, evalEvery: 2, saveEvery: 2, keep: 2, validBatches: 1,
    srcCol: "english", tgtCol: "spanish", textCol: "text", labelCol: "label", onBadRow: "stop",
  };
}
