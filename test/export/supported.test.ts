import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ExportError } from "../../src/errors.js";
import { EXPORTED_ARCHITECTURE_KEYS, EXPORTED_COMMON_KEYS, checkExportable, exportOnnx } from "../../src/export/index.js";
import { ARCHITECTURES, CONFIG_DEFAULTS, type ModelConfig, modelArchitecture } from "../../src/models/index.js";
import { VARIANTS, tinyDecoderOnly, tinySeq2Seq } from "../generate/models.js";

test("the export knows every config key of every architecture: a key added to the models is refused until src/export writes it", () => {
  for (const arch of ARCHITECTURES) {
    const spec = modelArchitecture(arch);
    const keys = ["architecture", "d_model", "num_heads", "d_ff", ...Object.keys(CONFIG_DEFAULTS), ...spec.required, ...Object.keys(spec.defaults)];
    for (const key of keys) assert.ok(key in EXPORTED_ARCHITECTURE_KEYS[arch] || key in EXPORTED_COMMON_KEYS, `${arch}: "${key}" is not in src/export/supported.ts`);
  }
});

test("an option the export does not write is one line naming the config key, and nothing is written", () => {
  const model = tinySeq2Seq(VARIANTS[0]);
  const as = (extra: Record<string, unknown>) => ({ ...model.config, ...extra }) as unknown as ModelConfig;
  assert.throws(() => checkExportable(as({ activation: "swiglu" })), (e: Error) => e instanceof ExportError
    && e.message === 'export --format onnx: config key "activation" = "swiglu" is not exported (exported: "relu", "gelu", "gelu_tanh", "silu")');
  assert.throws(() => checkExportable(as({ rope_theta: 10000 })), (e: Error) => e instanceof ExportError
    && /^export --format onnx: config key "rope_theta" is not exported for seq2seq/.test(e.message) && !e.message.includes("\n"));
  // a key of another architecture is not this one's
  assert.throws(() => checkExportable(as({ pooling: "mean" })), /config key "pooling" is not exported for seq2seq/);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "onnx-refused-"));
  const lm = tinyDecoderOnly(VARIANTS[0]);
  (lm.config as unknown as Record<string, unknown>).positional = "rotary";
  assert.throws(() => exportOnnx(lm, path.join(dir, "out")), /config key "positional" = "rotary" is not exported/);
  assert.ok(!fs.existsSync(path.join(dir, "out")), "nothing written");
});
