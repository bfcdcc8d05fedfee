#!/usr/bin/env node
/**
 * The token ids a seq2seq run trains on, for scripts/pytorch/train_ddp.py: the run's data files (training_state.json's
 * options: data, valid, columns, bad-row policy) read and encoded by the run's own tokenizers, pairs longer than the
 * model's max_len or empty dropped, exactly as `transformer train` builds its dataset (src/architectures/seq2seq.ts).
 * One int32 little-endian file per split, train.i32 and (with a validation file) valid.i32, each pair as
 * [source length, target length, source ids…, target ids…], no special tokens, in the dataset's order (which the
 * batch order indexes). Relative data paths are read from the current folder, as the run read them.
 *
 *   npm run build && node scripts/pytorch/run_ids.mjs RUN_DIR OUT_DIR
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const lib = (p) => import(path.join(ROOT, "dist", "src", p));
const [{ architectureTask }, { filterPairsByLength }, { loadTokenizer }, { readConfig }] = await Promise.all([
  lib("architectures/registry.js"), lib("data/index.js"), lib("tokenizer/file.js"), lib("models/checkpoint.js"),
]);

const [run, out] = process.argv.slice(2);
if (!run || !out) {
  console.error("usage: node scripts/pytorch/run_ids.mjs RUN_DIR OUT_DIR");
  process.exit(2);
}
const state = JSON.parse(fs.readFileSync(path.join(run, "training_state.json"), "utf8"));
const o = state.options;
const config = readConfig(run);
if (config.architecture !== "seq2seq") {
  console.error(`${run}: architecture ${config.architecture}; run_ids.mjs writes seq2seq pairs only`);
  process.exit(1);
}
const src = loadTokenizer(path.join(run, "tokenizer.json"));
const targetFile = path.join(run, "tokenizer.target.json");
const tgt = fs.existsSync(targetFile) ? loadTokenizer(targetFile) : src;
const cols = { srcCol: o.srcCol ?? "english", tgtCol: o.tgtCol ?? "spanish", textCol: o.textCol ?? "text", labelCol: o.labelCol ?? "label", onBadRow: o.onBadRow ?? "stop" };
fs.mkdirSync(out, { recursive: true });
for (const [split, file] of [["train", o.data], ["valid", o.valid]]) {
  if (!file) continue;
  const texts = architectureTask("seq2seq").readTexts(file, cols);
  const pairs = texts.src.map((s, i) => ({ src: src.encode(s), tgt: tgt.encode(texts.tgt[i]) }));
  const f = filterPairsByLength(pairs, { maxSrcLen: config.max_len, maxTgtLen: config.max_len - 1 });
  const ints = [];
  for (const p of f.kept) ints.push(p.src.length, p.tgt.length, ...p.src, ...p.tgt);
  fs.writeFileSync(path.join(out, `${split}.i32`), new Uint8Array(Int32Array.from(ints).buffer));
  console.log(`${file}: ${f.kept.length} pairs (${f.droppedTooLong} longer than max_len ${config.max_len} dropped, ${f.droppedEmpty} empty, ${texts.badRows} malformed rows skipped)`);
}
