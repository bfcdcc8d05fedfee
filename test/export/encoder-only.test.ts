import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { tokenBatch } from "../../src/models/index.js";
import { inference } from "../../src/nn/index.js";
import { VARIANTS } from "../generate/models.js";
import { TOLERANCE, exported, idsAndMask, maxDiff, record, report, session, tinyEncoderOnly } from "./helpers.js";

after(report);

const TEXTS = [[1, 4, 5, 6, 7, 8, 2], [1, 9, 2], [1, 3, 0, 5, 2]]; // right-padded; a pad inside the last one, masked as ours masks it

for (const pooling of ["first", "mean"] as const) {
  VARIANTS.forEach((v, i) => {
    test(`encoder_only ${v.name}, ${pooling} pooling: ONNX Runtime's logits, pooled and hidden states equal ours on a padded batch`, async () => {
      const model = tinyEncoderOnly(v, pooling, 31 + i);
      const dir = exported(model);
      assert.deepEqual(fs.readdirSync(dir).sort(), ["config.json", "model.onnx"]); // no generation_config.json: it does not generate
      const s = await session(dir, "model.onnx");
      assert.deepEqual(s.inputNames, ["input_ids", "attention_mask"]);
      assert.deepEqual(s.outputNames, ["logits", "pooler_output", "last_hidden_state"]);
      const batch = tokenBatch(TEXTS, model.config.pad_id);
      const ours = inference(model, () => ({ logits: model.forward(batch).data, hidden: model.hidden(batch).hidden.data }));
      const out = await s.run(idsAndMask(batch, model.config.pad_id));
      assert.deepEqual(out.logits.dims, [3, model.config.num_classes]);
      assert.ok(record("encoder_only logits", maxDiff(out.logits.data as Float32Array, ours.logits)) < TOLERANCE);
      assert.ok(record("encoder_only last_hidden_state", maxDiff(out.last_hidden_state.data as Float32Array, ours.hidden)) < TOLERANCE);
      const d = model.config.d_model, T = batch.length;
      const pooled = TEXTS.flatMap((_, b) => Array.from({ length: d }, (_, j) => {
        const rows = pooling === "first" ? [0] : Array.from({ length: T }, (_, t) => t).filter((t) => batch.ids[b * T + t] !== model.config.pad_id);
        return rows.reduce((sum, t) => sum + ours.hidden[(b * T + t) * d + j], 0) / rows.length;
      }));
      assert.ok(record("encoder_only pooler_output", maxDiff(out.pooler_output.data as Float32Array, pooled)) < TOLERANCE);
    });
  });
}
