/**
 * Writes the Bible pairs as a run's tokenizer encodes them, for bench/recipe/train_torch.py: one int32 file per split
 * (train, valid, test), each pair as [source length, target length, source ids…, target ids…], no special tokens.
 * Usage: node dist/bench/recipe/export-ids.js RUN_DIR OUT_DIR (RUN_DIR: a run folder with tokenizer.json).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { loadTokenizer } from "../../src/tokenizer/file.js";
import { seq2seqTask } from "../../src/architectures/seq2seq.js";

const [run, out] = process.argv.slice(2);
if (!run || !out) {
  console.error("usage: node dist/bench/recipe/export-ids.js RUN_DIR OUT_DIR");
  process.exit(2);
}
const tokenizer = loadTokenizer(path.join(run, "tokenizer.json"));
fs.mkdirSync(out, { recursive: true });
fs.copyFileSync(path.join(run, "tokenizer.json"), path.join(out, "tokenizer.json")); // to detokenize for BLEU
const cols = { srcCol: "english", tgtCol: "spanish", textCol: "text", labelCol: "label", onBadRow: "stop" } as const;
for (const split of ["train", "valid", "test"]) {
  const texts = seq2seqTask.readTexts(`data/bible/web-sparv.${split}.tsv.gz`, cols);
  const ints: number[] = [];
  texts.src.forEach((s, i) => {
    const src = tokenizer.encode(s), tgt = tokenizer.encode(texts.tgt[i]);
    ints.push(src.length, tgt.length, ...src, ...tgt);
  });
  fs.writeFileSync(path.join(out, `${split}.i32`), new Uint8Array(Int32Array.from(ints).buffer));
  console.log(`${split}: ${texts.src.length} pairs`);
}
