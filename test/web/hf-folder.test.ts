/**
 * loadFolderFiles, the page's loader, in Node: Hugging Face folders given as in-memory files load as Node's
 * loaders load them from disk, compute what transformers computed (the fixtures' expected/), and a folder that
 * cannot load is one line naming the file or key.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { generate } from "../../src/generate/index.js";
import { classifyWordPiece, fillMask } from "../../src/generate/masked-lm.js";
import type { DecoderOnly } from "../../src/models/decoder-only.js";
import { type FolderFiles, loadFolderFiles } from "../../src/run/folder-files.js";
import { loadForInference, promptIds } from "../../src/run/index.js";
import { BERT_BASE, BERT_CLASSIFIER, BERT_MLM, bertExpected } from "../hf/bert-fixture.js";
import { GPT2_TINY, GPT2_TINY_EXPECTED } from "../hf/fixture.js";
import { MARIAN_TINY, MARIAN_TINY_EXPECTED } from "../hf/marian-fixture.js";
import type { Seq2Seq } from "../../src/models/seq2seq.js";

/** A folder's top-level files as the page gives them. */
function filesOf(dir: string, leave: string[] = []): Map<string, Uint8Array> {
  return new Map(fs.readdirSync(dir).filter((f) => fs.statSync(path.join(dir, f)).isFile() && !leave.includes(f)).map((f) => [f, fs.readFileSync(path.join(dir, f))]));
}

function oneLine(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: Error) => {
    assert.doesNotMatch(e.message, /\n/);
    assert.match(e.message, pattern);
    return true;
  });
}

const greedy = JSON.parse(fs.readFileSync(path.join(GPT2_TINY_EXPECTED, "generate.json"), "utf8")).runs
  .find((r: { strategy: string }) => r.strategy === "greedy") as { prompts: number[][]; max_new_tokens: number; outputs: number[][][] };

test("GPT-2 from memory: the prompt's ids and greedy ids are transformers', and Node's loadForInference's", () => {
  const f = loadFolderFiles(filesOf(GPT2_TINY));
  assert.equal(f.kind, "bpe");
  assert.equal(f.huggingFace, "gpt2");
  if (f.kind !== "bpe") return;
  assert.equal(f.parts.addBos, false);
  const prompt = promptIds(f.parts, "And God said");
  assert.deepEqual(prompt, greedy.prompts[0]);
  const ids = generate(f.parts.model as DecoderOnly, [prompt], { strategy: "greedy", maxNewTokens: greedy.max_new_tokens }).results[0][0].tokens;
  assert.deepEqual(ids, greedy.outputs[0][0]);
  const node = loadForInference(GPT2_TINY);
  assert.deepEqual(generate(node.model as DecoderOnly, [promptIds(node, "And God said")], { strategy: "greedy", maxNewTokens: greedy.max_new_tokens }).results[0][0].tokens, ids);
});

test("BERT from memory: classifier probabilities and fill-mask top-5 are transformers'", () => {
  const c = loadFolderFiles(filesOf(BERT_CLASSIFIER));
  assert.equal(c.kind, "wordpiece");
  if (c.kind !== "wordpiece") return;
  for (const run of bertExpected("classify.json").runs as { text: string; scores: Record<string, number> }[]) {
    const [r] = classifyWordPiece(c.parts.model, c.parts.tokenizer, [run.text]);
    for (const { label, probability } of r.probabilities) assert.ok(Math.abs(probability - run.scores[label]) < 1e-5, `${run.text}: ${label} ${probability} vs ${run.scores[label]}`);
  }
  const m = loadFolderFiles(filesOf(BERT_MLM));
  assert.equal(m.kind, "wordpiece");
  if (m.kind !== "wordpiece") return;
  assert.equal(m.parts.maskToken, "[MASK]");
  const expected = bertExpected("fill_mask.json");
  for (const run of expected.runs as { text: string; token_ids: number[] }[]) {
    assert.deepEqual(fillMask(m.parts.model, m.parts.tokenizer, run.text, { topK: expected.top_k }).masks[0].map((x) => x.id), run.token_ids, run.text);
  }
});

test("Marian from memory: the sources' ids, greedy and beam-4 (transformers' convention) ids are transformers'", () => {
  const f = loadFolderFiles(filesOf(MARIAN_TINY));
  assert.equal(f.kind, "sentencepiece");
  assert.equal(f.huggingFace, "marian");
  const runs = (JSON.parse(fs.readFileSync(path.join(MARIAN_TINY_EXPECTED, "generate.json"), "utf8")).runs as { strategy: string; sources: number[][]; outputs: number[][] }[])
    .filter((r) => r.sources.length === 1);
  assert.ok(runs.some((r) => r.strategy === "beam") && runs.some((r) => r.strategy === "greedy"));
  assert.deepEqual(f.parts.srcTokenizer.encode("Jesus wept."), runs[2].sources[0]);
  for (const r of runs) {
    const cfg = r.strategy === "greedy" ? {} : { strategy: "beam", numBeams: 4, beamConvention: "huggingface" } as const;
    assert.deepEqual(generate(f.parts.model as Seq2Seq, r.sources, cfg).results[0][0].tokens, r.outputs[0], `${r.strategy} ${r.sources[0]}`);
  }
  oneLine(() => loadFolderFiles(filesOf(MARIAN_TINY, ["target.spm"])), /^target\.spm: missing \(a Marian folder has source\.spm and target\.spm beside vocab\.json\)$/);
  oneLine(() => loadFolderFiles(filesOf(MARIAN_TINY, ["vocab.json"])), /^vocab\.json: missing/);
  const bad = filesOf(MARIAN_TINY);
  bad.set("source.spm", new Uint8Array([0xff, 0xff, 0xff]));
  oneLine(() => loadFolderFiles(bad), /^source\.spm: not a SentencePiece model file/);
});

test("a folder that cannot load is one line naming the file or key", () => {
  const gpt2 = filesOf(GPT2_TINY);
  const without = (name: string, add: Record<string, string> = {}): FolderFiles => {
    const m = new Map(gpt2);
    m.delete(name);
    for (const [k, v] of Object.entries(add)) m.set(k, new TextEncoder().encode(v));
    return m;
  };
  oneLine(() => loadFolderFiles(without("config.json")), /^config\.json: missing/);
  oneLine(() => loadFolderFiles(without("model.safetensors"), ["pytorch_model.bin"]), /^model\.safetensors: missing \(pytorch_model\.bin is not read: only safetensors files are/);
  oneLine(() => loadFolderFiles(without("model.safetensors", { "model.safetensors.index.json": "{}" })), /^model\.safetensors\.index\.json: sharded weights/);
  oneLine(() => loadFolderFiles(without("tokenizer.json")), /^tokenizer\.json: missing/);
  oneLine(() => loadFolderFiles(without("tokenizer_config.json", { "tokenizer_config.json": '{"add_prefix_space": true}' })), /^tokenizer_config\.json: "add_prefix_space" is true/);
  const config = JSON.parse(new TextDecoder().decode(gpt2.get("config.json")));
  oneLine(() => loadFolderFiles(without("config.json", { "config.json": JSON.stringify({ ...config, model_type: "llama" }) })), /^config\.json: model_type "llama" is not supported/);
  oneLine(() => loadFolderFiles(without("config.json", { "config.json": JSON.stringify({ ...config, vocab_size: 2000 }) })), /tokenizer\.json: 1024 tokens, but config\.json has vocab_size 2000/);
  oneLine(() => loadFolderFiles(without("config.json", { "config.json": "{" })), /^config\.json: not valid JSON/);
  const mlm = filesOf(BERT_MLM);
  mlm.set("tokenizer_config.json", new TextEncoder().encode('{"mask_token": "<mask>"}'));
  oneLine(() => loadFolderFiles(mlm), /^tokenizer_config\.json: "mask_token" "<mask>" is not a token of tokenizer\.json$/);
  // a BertModel has no head: it loads, and the page says it has nothing to run (test/web/hf-page.test.ts)
  assert.equal(loadFolderFiles(filesOf(BERT_BASE)).kind, "wordpiece");
});
