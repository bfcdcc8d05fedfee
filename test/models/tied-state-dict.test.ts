import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { CheckpointError } from "../../src/errors.js";
import { Seq2Seq, initParameters, parseConfig, stateDict, type Seq2SeqConfig } from "../../src/models/index.js";
import { loadCheckpoint, saveCheckpoint } from "../../src/models/checkpoint.js";
import { serializeSafetensors, type NamedTensor } from "../../src/models/safetensors.js";
import { readSafetensors } from "../../src/models/safetensors-file.js";

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../test/fixtures/reference");
/** Written by PyTorch (scripts/pytorch/make_fixtures.py): state_dict() of a tied model, every name its own copy. */
const TIED_CASE = path.join(FIXTURES, "seq2seq_tied_embeddings");
const TIED_NAMES = ["src_embed.weight", "tgt_embed.weight", "generator.weight"];

function tiedSeq2Seq(): Seq2Seq {
  const raw = {
    architecture: "seq2seq", d_model: 8, num_heads: 2, d_ff: 16, dropout: 0, src_vocab_size: 9, tgt_vocab_size: 9,
    num_encoder_layers: 1, num_decoder_layers: 1, tie_word_embeddings: true,
  };
  return new Seq2Seq(parseConfig(raw) as Seq2SeqConfig);
}

test("the state dict names a tied weight three times, as PyTorch's state_dict() does", () => {
  const m = tiedSeq2Seq();
  const sd = stateDict(m);
  for (const n of TIED_NAMES) assert.equal(sd.get(n)?.data, m.srcEmbed.weight.data, n);
  assert.ok(sd.has("generator.bias"));
  assert.equal(sd.size, m.namedParameters().length + 2);
});

test("a tied checkpoint holds a copy per name and loads back as one tensor", () => {
  const m = tiedSeq2Seq();
  initParameters(m, 5);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tied-"));
  saveCheckpoint(dir, m);
  const file = path.join(dir, "model.safetensors");
  const { tensors } = readSafetensors(file);
  for (const n of TIED_NAMES) assert.deepEqual(tensors.get(n)!.data, m.srcEmbed.weight.data, n);
  // the data section holds every tensor's bytes, the tied matrix three times (safetensors cannot alias storage)
  const floats = m.namedParameters({ withAliases: true }).reduce((s, [, t]) => s + t.size, 0);
  const bytes = fs.readFileSync(file);
  assert.equal(bytes.length - 8 - Number(bytes.readBigUInt64LE(0)), 4 * floats);
  const back = loadCheckpoint(dir).model as Seq2Seq;
  assert.equal(back.generator.weight, back.srcEmbed.weight);
  assert.equal(back.tgtEmbed.weight, back.srcEmbed.weight);
  for (const [n, p] of m.namedParameters()) assert.deepEqual(back.namedParameters().find(([b]) => b === n)![1].data, p.data, n);
  fs.rmSync(dir, { recursive: true });
});

/** A copy of the PyTorch tied case with its tensors edited. */
function editedCase(edit: (t: Map<string, NamedTensor>) => void): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tied-"));
  fs.copyFileSync(path.join(TIED_CASE, "config.json"), path.join(dir, "config.json"));
  const { tensors } = readSafetensors(path.join(TIED_CASE, "model.safetensors"));
  edit(tensors);
  fs.writeFileSync(path.join(dir, "model.safetensors"), serializeSafetensors(tensors));
  return dir;
}

function refused(dir: string, pattern: RegExp): void {
  assert.throws(() => loadCheckpoint(dir), (e: unknown) => {
    assert.ok(e instanceof CheckpointError, String(e));
    assert.ok(!(e as Error).message.includes("\n"), (e as Error).message);
    assert.match((e as Error).message, pattern);
    return true;
  });
  fs.rmSync(dir, { recursive: true });
}

test("PyTorch's tied state dict loads, one tensor for the three names", () => {
  const { model } = loadCheckpoint(TIED_CASE);
  const m = model as Seq2Seq;
  assert.equal(m.generator.weight, m.srcEmbed.weight);
  const { tensors } = readSafetensors(path.join(TIED_CASE, "model.safetensors"));
  assert.deepEqual(m.srcEmbed.weight.data, tensors.get("generator.weight")!.data);
});

test("a file whose tied tensors differ is refused, naming both and the first differing index", () => {
  refused(editedCase((t) => {
    t.get("generator.weight")!.data[37] += 1e-3;
    t.get("generator.weight")!.data[50] += 1;
  }), /model\.safetensors: tied tensors "src_embed\.weight" and "generator\.weight" differ at index 37 \(/);
  refused(editedCase((t) => {
    t.get("tgt_embed.weight")!.data[0] = -t.get("tgt_embed.weight")!.data[0];
  }), /tied tensors "src_embed\.weight" and "tgt_embed\.weight" differ at index 0 /);
});

test("a tied file missing one of the names is refused", () => {
  refused(editedCase((t) => t.delete("tgt_embed.weight")), /missing tensor "tgt_embed\.weight" of shape \[13, 16\]/);
  refused(editedCase((t) => t.delete("generator.weight")), /missing tensor "generator\.weight"/);
});

test("an untied model's weights do not load into a tied config", () => {
  // the untied PyTorch decoder-only case: embed.weight and lm_head.weight are two different matrices
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tied-"));
  const src = path.join(FIXTURES, "decoder_only_preln_gelu");
  const cfg = JSON.parse(fs.readFileSync(path.join(src, "config.json"), "utf8"));
  fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify({ ...cfg, tie_word_embeddings: true }));
  fs.copyFileSync(path.join(src, "model.safetensors"), path.join(dir, "model.safetensors"));
  refused(dir, /tied tensors "embed\.weight" and "lm_head\.weight" differ at index 0 /);
});
