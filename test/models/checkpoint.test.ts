import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { CheckpointError, ConfigError } from "../../src/errors.js";
import { buildModel, initParameters, parseConfig, type ModelConfig } from "../../src/models/index.js";
import { loadCheckpoint, saveCheckpoint } from "../../src/models/checkpoint.js";
import { serializeSafetensors } from "../../src/models/safetensors.js";
import { readSafetensors } from "../../src/models/safetensors-file.js";

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../test/fixtures/reference");
const CASE = path.join(FIXTURES, "seq2seq_greedy");

function tmpCopy(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ckpt-"));
  for (const f of ["config.json", "model.safetensors"]) fs.copyFileSync(path.join(CASE, f), path.join(dir, f));
  return dir;
}

/** Loading must fail with exactly one line that matches `pattern`. */
function expectOneLine(dir: string, pattern: RegExp, type: typeof CheckpointError | typeof ConfigError = CheckpointError): void {
  assert.throws(() => loadCheckpoint(dir), (e: unknown) => {
    assert.ok(e instanceof type, `expected ${type.name}, got ${String(e)}`);
    const msg = (e as Error).message;
    assert.ok(!msg.includes("\n"), `message is not one line: ${msg}`);
    assert.match(msg, pattern);
    return true;
  });
}

function rewriteTensors(dir: string, edit: (t: Map<string, { shape: number[]; data: Float32Array }>) => void): void {
  const file = path.join(dir, "model.safetensors");
  const { tensors } = readSafetensors(file);
  edit(tensors);
  fs.writeFileSync(file, serializeSafetensors(tensors));
}

test("a PyTorch checkpoint loads and an init'd one round-trips bit for bit", () => {
  const { model, config } = loadCheckpoint(CASE);
  assert.equal(config.architecture, "seq2seq");
  const fresh = buildModel(config);
  initParameters(fresh, 42);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ckpt-"));
  saveCheckpoint(dir, fresh);
  const back = loadCheckpoint(dir).model;
  const a = new Map(fresh.namedParameters());
  for (const [n, p] of back.namedParameters()) assert.deepEqual(p.data, a.get(n)!.data, n);
  assert.equal(model.namedParameters().length, fresh.namedParameters().length);
  assert.deepEqual(fs.readdirSync(dir).sort(), ["config.json", "model.safetensors"]); // no temp files left
});

test("truncated weights file", () => {
  const dir = tmpCopy();
  const f = path.join(dir, "model.safetensors");
  fs.truncateSync(f, fs.statSync(f).size - 100);
  expectOneLine(dir, /model\.safetensors/);
});

test("header length past the end of the file", () => {
  const dir = tmpCopy();
  const f = path.join(dir, "model.safetensors");
  const b = fs.readFileSync(f);
  b.writeBigUInt64LE(BigInt(b.length * 10), 0);
  fs.writeFileSync(f, b);
  expectOneLine(dir, /model\.safetensors.*header/);
});

test("header that is not JSON", () => {
  const dir = tmpCopy();
  const f = path.join(dir, "model.safetensors");
  const b = fs.readFileSync(f);
  b.write("!!!!", 8);
  fs.writeFileSync(f, b);
  expectOneLine(dir, /model\.safetensors.*JSON/);
});

test("wrong dtype", () => {
  const dir = tmpCopy();
  const f = path.join(dir, "model.safetensors");
  const b = fs.readFileSync(f);
  const n = Number(b.readBigUInt64LE(0));
  const header = b.subarray(8, 8 + n).toString("utf8").replace('"F32"', '"I32"');
  b.write(header, 8);
  fs.writeFileSync(f, b);
  expectOneLine(dir, /dtype "I32"/);
});

test("wrong shape names the tensor and both shapes", () => {
  const dir = tmpCopy();
  rewriteTensors(dir, (t) => {
    t.set("generator.bias", { shape: [12], data: new Float32Array(12) });
  });
  expectOneLine(dir, /"generator\.bias" has shape \[12\], expected \[13\]/);
});

test("missing tensor", () => {
  const dir = tmpCopy();
  rewriteTensors(dir, (t) => t.delete("transformer.decoder.norm.weight"));
  expectOneLine(dir, /missing tensor "transformer\.decoder\.norm\.weight"/);
});

test("extra tensor", () => {
  const dir = tmpCopy();
  rewriteTensors(dir, (t) => t.set("transformer.encoder.layers.9.linear1.bias", { shape: [2], data: new Float32Array(2) }));
  expectOneLine(dir, /unexpected tensor "transformer\.encoder\.layers\.9\.linear1\.bias"/);
});

test("missing folder and missing files", () => {
  expectOneLine("/nonexistent/ckpt", /checkpoint folder not found/);
  const dir = tmpCopy();
  fs.rmSync(path.join(dir, "model.safetensors"));
  expectOneLine(dir, /model\.safetensors: missing/);
  fs.rmSync(path.join(dir, "config.json"));
  expectOneLine(dir, /config\.json: missing/);
});

const base = JSON.parse(fs.readFileSync(path.join(CASE, "config.json"), "utf8")) as ModelConfig;

test("bad config values each give one line naming the key", () => {
  const bad: Array<[Record<string, unknown>, RegExp]> = [
    [{ d_model: 15 }, /"d_model" 15 is not divisible by "num_heads" 4/],
    [{ architecture: "rnn" }, /unknown architecture "rnn"/],
    [{ activation: "swish" }, /"activation" must be one of relu, gelu, gelu_tanh/],
    [{ num_heads: 0 }, /"num_heads" must be an integer ≥ 1/],
    [{ dropout: 1 }, /"dropout" must be a number in \[0, 1\)/],
    [{ positional: "rotary" }, /"positional"/],
    [{ pad_id: 99 }, /"pad_id" 99 is outside the vocabulary/],
    [{ layer_norm_eps: 0 }, /"layer_norm_eps" must be positive/],
    [{ mystery: 1 }, /unknown key "mystery"/],
    [{ src_vocab_size: undefined }, /missing key "src_vocab_size"/],
  ];
  for (const [patch, pattern] of bad) {
    const cfg = JSON.parse(JSON.stringify({ ...base, ...patch }));
    assert.throws(() => parseConfig(cfg, "x/config.json"), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match((e as Error).message, /^x\/config\.json: /);
      assert.match((e as Error).message, pattern);
      return true;
    }, JSON.stringify(patch));
  }
  // and through loadCheckpoint, the file's path is named
  const dir = tmpCopy();
  fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify({ ...base, d_model: 15 }));
  expectOneLine(dir, /config\.json: "d_model" 15/, ConfigError);
  fs.writeFileSync(path.join(dir, "config.json"), "{ not json");
  expectOneLine(dir, /config\.json: not valid JSON/);
});

test("a model whose config disagrees with the weights is refused", () => {
  const dir = tmpCopy();
  fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify({ ...base, d_ff: 64 }));
  expectOneLine(dir, /linear1\.weight" has shape \[32, 16\], expected \[64, 16\]/);
});
