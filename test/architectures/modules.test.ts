/**
 * Every registered architecture's two modules agree with each other and with the model they build: the keys its
 * preset gives make a config that parses, each of its own keys is required or defaulted and checked, the built
 * model's state dict is the one it declares, its dataset collates the batch its loss takes, and its decoding runs.
 * A new architecture is tested by being registered.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { architectureTask } from "../../src/architectures/registry.js";
import { evaluate } from "../../src/eval/evaluate.js";
import { generate, prepareSearch } from "../../src/generate/index.js";
import {
  ARCHITECTURES, type Architecture, type GenerativeModel, type ModelConfig, type NamedShape, buildModel, initParameters,
  modelArchitecture, parseConfig, stateDict, targetVocabSize,
} from "../../src/models/index.js";
import { readSafetensors } from "../../src/models/safetensors-file.js";
import { Rng } from "../../src/tensor/index.js";
import { Tokenizer } from "../../src/tokenizer/index.js";
import type { DataTexts } from "../../src/train/dataset.js";
import { forwardLoss } from "../../src/train/loss.js";

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../test/fixtures/reference");
const SHARED = { d_model: 16, num_heads: 4, d_ff: 32, dropout: 0, max_len: 24 };
const LABELS = ["a", "b", "c"];
const SIZES = { layers: 2, srcVocabSize: 270, tgtVocabSize: 280, numClasses: LABELS.length, labels: LABELS };

/** Texts with every side filled (sources, targets, labels): each architecture reads the ones it trains on. */
const WORDS = ["in", "the", "beginning", "was", "the", "word", "and", "light", "came", "into", "the", "world"];
const TEXTS: DataTexts = {
  src: Array.from({ length: 12 }, (_, i) => WORDS.slice(i % 5, (i % 5) + 2 + (i % 4)).join(" ")),
  tgt: Array.from({ length: 12 }, (_, i) => WORDS.slice(i % 3, (i % 3) + 1 + (i % 5)).reverse().join(" ")),
  labels: Array.from({ length: 12 }, (_, i) => LABELS[i % LABELS.length]),
  badRows: 0,
  lineNumbers: Array.from({ length: 12 }, (_, i) => i + 2),
};
const COLUMNS = { srcCol: "src", tgtCol: "tgt", textCol: "text", labelCol: "label", onBadRow: "stop" } as const;

function rawConfig(name: Architecture, sizes = SIZES): Record<string, unknown> {
  return { architecture: name, ...SHARED, ...modelArchitecture(name).preset(sizes) };
}

function sortedShapes(shapes: Iterable<NamedShape>): [string, number[]][] {
  return [...shapes].map(([n, s]): [string, number[]] => [n, [...s]]).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

for (const name of ARCHITECTURES) {
  const arch = modelArchitecture(name);

  test(`${name}: its preset keys make a valid config; each of its own keys is required or defaulted, and checked`, () => {
    const raw = rawConfig(name);
    const cfg = parseConfig(raw, "test") as unknown as Record<string, unknown>;
    for (const key of arch.required) {
      const { [key]: _, ...without } = raw;
      assert.throws(() => parseConfig(without, "test"), new RegExp(`missing key "${key}"`), `${key} left out`);
      assert.throws(() => parseConfig({ ...raw, [key]: null }, "test"), new RegExp(`"${key}"`), `${key} null`);
    }
    for (const [key, value] of Object.entries(arch.defaults)) {
      const { [key]: _, ...without } = raw;
      assert.deepEqual((parseConfig(without, "test") as unknown as Record<string, unknown>)[key], value, `${key} defaults`);
      assert.throws(() => parseConfig({ ...raw, [key]: null }, "test"), new RegExp(`"${key}"`), `${key} null`);
    }
    const own = new Set([...arch.required, ...Object.keys(arch.defaults)]);
    for (const key of [arch.vocab.source, arch.vocab.target].filter((k) => k !== undefined)) {
      assert.ok(arch.required.includes(key), `vocabulary key ${key} is one of its required keys`);
      assert.ok(Number.isInteger(cfg[key]), `${key} is a size`);
    }
    for (const other of ARCHITECTURES.filter((a) => a !== name)) {
      for (const key of modelArchitecture(other).required.filter((k) => !own.has(k))) {
        assert.throws(() => parseConfig({ ...raw, [key]: 4 }, "test"), new RegExp(`unknown key "${key}"`), `${other}'s ${key}`);
      }
    }
  });

  test(`${name}: the model it builds holds exactly the state dict it declares`, () => {
    for (const positional of ["sinusoidal", "learned"]) {
      const config = parseConfig({ ...rawConfig(name), positional }, "test");
      const declared = arch.stateDictShapes(config);
      assert.equal(new Set(declared.map(([n]) => n)).size, declared.length, "each name once");
      const built = [...stateDict(arch.build(config, new Rng(0)))].map(([n, t]): NamedShape => [n, t.shape]);
      assert.deepEqual(sortedShapes(built), sortedShapes(declared), `${positional} positions`);
    }
  });

  test(`${name}: its dataset collates the batches its loss takes, and validation measures what it declares`, () => {
    const tokenizer = Tokenizer.train([...TEXTS.src, ...TEXTS.tgt], { vocabSize: 262 });
    const V = tokenizer.vocabSize;
    const config = parseConfig(rawConfig(name, { ...SIZES, srcVocabSize: V, tgtVocabSize: V }), "test");
    const special = { pad: config.pad_id, bos: config.bos_id, eos: config.eos_id };
    const task = architectureTask(name);
    const data = task.dataset(TEXTS, {
      ...COLUMNS, arch: name, file: "test texts", srcTokenizer: tokenizer, tgtTokenizer: tokenizer, special, maxLen: config.max_len,
    });
    assert.equal(data.arch, name);
    assert.ok(data.size > 0);
    const { batch, tokens } = data.batch(Array.from({ length: Math.min(4, data.size) }, (_, i) => i));
    assert.equal(batch.kind, name);
    assert.ok(tokens > 0);
    const model = buildModel(config, new Rng(1));
    initParameters(model, 1);
    model.train();
    const out = forwardLoss(model, batch, 0.1);
    assert.ok(Number.isFinite(out.loss.item()) && out.loss.item() > 0, `loss ${out.loss.item()}`);
    assert.ok(out.count > 0);
    out.loss.backward();
    for (const [pname, p] of model.namedParameters()) assert.ok(p.grad, `the loss reaches ${pname}`);
    const r = evaluate(model, data, 10_000, 0);
    assert.ok(Number.isFinite(r.loss));
    assert.equal(r.accuracy !== undefined, task.measures.accuracy !== undefined);
    assert.equal(r.shuffledSourceLoss !== undefined, task.measures.shuffledSourceLoss !== undefined);
  });

  if (arch.decoding) {
    test(`${name}: it decodes over its step decoder, predicting its target vocabulary`, () => {
      const config = parseConfig(rawConfig(name), "test");
      const model = buildModel(config, new Rng(2)) as GenerativeModel;
      initParameters(model, 2);
      const inputs = [[config.bos_id, 5, 6, 7], [config.bos_id, 8]];
      const { setup } = prepareSearch(model, inputs, { maxNewTokens: 3 });
      assert.equal(setup.decoder.vocabSize, targetVocabSize(config));
      assert.deepEqual(setup.limits, [3, 3]);
      assert.equal(setup.histories.length, inputs.length);
      for (const [h] of generate(model, inputs, { maxNewTokens: 3 }).results) {
        assert.ok(h.tokens.length >= 1 && h.tokens.length <= 3);
        assert.ok(h.tokens.every((t) => t >= 0 && t < targetVocabSize(config)!));
      }
    });
  }
}

test("each reference case's model.safetensors (written by PyTorch) holds exactly the tensors its architecture declares", () => {
  const cases = fs.readdirSync(FIXTURES).filter((d) => fs.existsSync(path.join(FIXTURES, d, "config.json")));
  assert.ok(cases.length > 0);
  for (const dir of cases) {
    const config: ModelConfig = parseConfig(JSON.parse(fs.readFileSync(path.join(FIXTURES, dir, "config.json"), "utf8")), dir);
    const { tensors } = readSafetensors(path.join(FIXTURES, dir, "model.safetensors"));
    const stored = [...tensors].map(([n, t]): NamedShape => [n, t.shape]);
    assert.deepEqual(sortedShapes(stored), sortedShapes(modelArchitecture(config.architecture).stateDictShapes(config)), dir);
  }
});
