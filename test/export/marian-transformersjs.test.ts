/**
 * A Marian folder's ONNX export carries what transformers.js reads as a Marian model: the folder's own config.json
 * (not one made from ours), a tokenizer_config.json naming MarianTokenizer and a tokenizer.json made from source.spm
 * over vocab.json. (scripts/onnx/transformersjs-check.mjs runs transformers.js itself on such an export.)
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { ExportError } from "../../src/errors.js";
import { exportOnnx, isMarianFolder, marianTransformersJsFiles } from "../../src/export/index.js";
import { loadCheckpoint } from "../../src/models/checkpoint.js";
import type { Seq2Seq } from "../../src/models/index.js";
import { loadSentencePiece } from "../../src/tokenizer/sentencepiece-file.js";
import { GPT2_TINY } from "../hf/fixture.js";
import { MARIAN_TINY, MARIAN_TINY_EXPECTED } from "../hf/marian-fixture.js";
import { ort, seq2seqSessions } from "./helpers.js";
import { ortGreedySeq2Seq } from "../../src/export/ort-greedy.js";

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../src/cli/main.js");
const read = (dir: string, file: string) => JSON.parse(fs.readFileSync(path.join(dir, file), "utf8"));
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "marian-tjs-"));

test("isMarianFolder: the Marian fixture is one, a GPT-2 folder is not", () => {
  assert.equal(isMarianFolder(MARIAN_TINY), true);
  assert.equal(isMarianFolder(GPT2_TINY), false);
});

test("marianTransformersJsFiles: the folder's config.json as it is; tokenizer.json holds vocab.json's pieces at their ids, source.spm's scores, </s> appended", () => {
  const files = marianTransformersJsFiles(MARIAN_TINY);
  assert.deepEqual(files.config, read(MARIAN_TINY, "config.json"));
  assert.deepEqual(files.tokenizerConfig, { tokenizer_class: "MarianTokenizer", eos_token: "</s>", unk_token: "<unk>", pad_token: "<pad>", model_max_length: 512 });
  const t = files.tokenizer as { model: { type: string; unk_id: number; vocab: Array<[string, number]> }; added_tokens: Array<{ id: number; content: string }>; post_processor: { single: unknown[] } };
  const vocab = read(MARIAN_TINY, "vocab.json") as Record<string, number>;
  assert.equal(t.model.type, "Unigram");
  assert.equal(t.model.vocab.length, Object.keys(vocab).length);
  for (const [piece, id] of Object.entries(vocab)) assert.equal(t.model.vocab[id][0], piece, `id ${id}`);
  assert.equal(t.model.unk_id, vocab["<unk>"]);
  const spm = loadSentencePiece(path.join(MARIAN_TINY, "source.spm"));
  let scored = 0;
  for (const p of spm.spec.pieces) {
    if (p.type === 1 && p.piece in vocab) {
      assert.equal(t.model.vocab[vocab[p.piece]][1], p.score, p.piece);
      scored++;
    }
  }
  const lowest = Math.min(...spm.spec.pieces.filter((p) => p.type === 1).map((p) => p.score));
  const absent = Object.keys(vocab).filter((p) => spm.pieceToId(p) === undefined && !["</s>", "<unk>", "<pad>"].includes(p));
  assert.ok(scored > 200 && absent.length > 100, `${scored} scored, ${absent.length} target-only pieces`);
  for (const p of absent) assert.ok(t.model.vocab[vocab[p]][1] <= lowest - 10, `${p}: below every source.spm piece`);
  assert.deepEqual(t.added_tokens.map((a) => [a.id, a.content]), [[0, "</s>"], [1, "<unk>"], [431, "<pad>"]]);
  assert.deepEqual(t.post_processor.single[1], { SpecialToken: { id: "</s>", type_id: 0 } });
});

test("exportOnnx with transformersJs: config.json is Marian's own, tokenizer files beside; the graphs still translate as transformers did", async () => {
  const model = loadCheckpoint(MARIAN_TINY).model as Seq2Seq;
  const dir = path.join(tmp(), "out");
  exportOnnx(model, dir, { transformersJs: marianTransformersJsFiles(MARIAN_TINY) });
  assert.deepEqual(fs.readdirSync(dir).sort(), ["config.json", "generation_config.json", "onnx", "tokenizer.json", "tokenizer_config.json", "transformer_config.json"]);
  assert.deepEqual(read(dir, "config.json"), read(MARIAN_TINY, "config.json"));
  assert.equal(read(dir, "generation_config.json").decoder_start_token_id, read(MARIAN_TINY, "config.json").decoder_start_token_id);
  const run = read(MARIAN_TINY_EXPECTED, "generate.json").runs.find((r: { strategy: string }) => r.strategy === "greedy");
  const got = await ortGreedySeq2Seq(ort, await seq2seqSessions(dir), model.config, run.sources);
  assert.deepEqual(got.map((h) => h.tokens), run.outputs);
});

test("exportOnnx refuses transformers' files whose config is not the model's, in one line naming the key, before writing", () => {
  const model = loadCheckpoint(MARIAN_TINY).model as Seq2Seq;
  const files = marianTransformersJsFiles(MARIAN_TINY);
  const dir = path.join(tmp(), "out");
  assert.throws(() => exportOnnx(model, dir, { transformersJs: { ...files, config: { ...files.config, encoder_ffn_dim: 128, decoder_ffn_dim: 128 } } }), (e: Error) => e instanceof ExportError
    && e.message === 'export --format onnx: the Hugging Face config given for transformers.js is not this model\'s ("d_ff": 128 there, 64 here)');
  assert.ok(!fs.existsSync(dir));
});

test("transformer export --format onnx --checkpoint <a Marian folder> writes the transformers.js folder", () => {
  const out = path.join(tmp(), "onnx");
  const r = spawnSync(process.execPath, [CLI, "export", "--format", "onnx", "--checkpoint", MARIAN_TINY, "--out", out], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /exported seq2seq to .* \(ONNX opset 17\)\n$/);
  assert.deepEqual(read(out, "config.json"), read(MARIAN_TINY, "config.json"));
  assert.equal(read(out, "tokenizer_config.json").tokenizer_class, "MarianTokenizer");
  assert.ok(fs.existsSync(path.join(out, "tokenizer.json")));
});
