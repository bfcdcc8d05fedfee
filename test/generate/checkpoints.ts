/** Checkpoint folders with a tokenizer, for the CLI tests (random weights, a tokenizer trained on a few lines). */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildModel, initParameters, parseConfig, type Model } from "../../src/models/index.js";
import { saveCheckpoint } from "../../src/models/checkpoint.js";
import { Tokenizer } from "../../src/tokenizer/index.js";
import { saveTokenizer } from "../../src/tokenizer/file.js";

const TEXTS = [
  "In the beginning God created the heaven and the earth.",
  "And the earth was without form, and void; and darkness was upon the face of the deep.",
  "En el principio creó Dios los cielos y la tierra.",
  "Y la tierra estaba desordenada y vacía, y las tinieblas estaban sobre la faz del abismo.",
  "naïve café → 😀 日本語",
];

export function trainTinyTokenizer(extra: string[] = []): Tokenizer {
  return Tokenizer.train([...TEXTS, ...extra], { vocabSize: 300, minFrequency: 1 });
}

const DIMS = { d_model: 16, num_heads: 2, d_ff: 32, dropout: 0, max_len: 40 };

/** A checkpoint folder; `separate` gives seq2seq a target tokenizer of its own. */
export function writeCheckpoint(arch: "seq2seq" | "decoder_only", opts: { separate?: boolean; seed?: number } = {}): { dir: string; model: Model; src: Tokenizer; tgt: Tokenizer } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `ckpt-${arch}-`));
  const src = trainTinyTokenizer();
  const tgt = opts.separate ? trainTinyTokenizer(["otra línea", "más texto aquí"]) : src;
  const config = parseConfig(arch === "seq2seq"
    ? { ...DIMS, architecture: "seq2seq", src_vocab_size: src.vocabSize, tgt_vocab_size: tgt.vocabSize, num_encoder_layers: 1, num_decoder_layers: 1 }
    : { ...DIMS, architecture: "decoder_only", vocab_size: src.vocabSize, num_layers: 2 });
  const model = buildModel(config);
  initParameters(model, opts.seed ?? 1);
  model.eval();
  saveCheckpoint(dir, model);
  saveTokenizer(src, path.join(dir, "tokenizer.json"));
  if (opts.separate) saveTokenizer(tgt, path.join(dir, "tokenizer.target.json"));
  return { dir, model, src, tgt };
}
