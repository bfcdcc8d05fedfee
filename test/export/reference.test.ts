/** The PyTorch reference cases (test/fixtures/reference: float64 logits of nn.Transformer) run from our ONNX export. */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { ortGreedySeq2Seq } from "../../src/export/index.js";
import { loadCheckpoint } from "../../src/models/checkpoint.js";
import { type Seq2SeqConfig, tokenBatch } from "../../src/models/index.js";
import { TOLERANCE, exported, idsAndMask, int64, maxDiff, mergedFeeds, ort, record, report, seq2seqSessions, session } from "./helpers.js";

after(report);

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../test/fixtures/reference");

interface Case {
  kind: string;
  inputs: Record<string, number[][]>;
  max_new_tokens?: number;
  expected: { logits?: { shape: number[]; data: number[] }; tokens?: number[][] };
}

const cases = fs.readdirSync(FIXTURES).map((name) => ({ name, dir: path.join(FIXTURES, name), c: JSON.parse(fs.readFileSync(path.join(FIXTURES, name, "case.json"), "utf8")) as Case }));

for (const { name, dir, c } of cases.filter((x) => x.c.kind === "forward_backward")) {
  test(`reference ${name}: ONNX Runtime's logits from the export equal PyTorch's`, async () => {
    const { model, config } = loadCheckpoint(dir);
    const out = exported(model);
    let logits: Float32Array;
    if (config.architecture === "seq2seq") {
      const src = idsAndMask(tokenBatch(c.inputs.src), config.pad_id);
      const s = await seq2seqSessions(out);
      const memory = (await s.encoder.run(src)).last_hidden_state;
      const tgt = idsAndMask(tokenBatch(c.inputs.tgt_in), config.pad_id);
      logits = (await s.decoderMerged.run({ input_ids: tgt.input_ids, encoder_attention_mask: src.attention_mask, ...mergedFeeds(config, tgt.input_ids.dims[0], { memory }) })).logits.data as Float32Array;
    } else if (config.architecture === "decoder_only") {
      const ids = tokenBatch(c.inputs.ids), B = ids.batch, T = ids.length;
      const feeds: Record<string, ort.Tensor> = { ...idsAndMask(ids, config.pad_id), position_ids: int64(Array.from({ length: B * T }, (_, i) => i % T), [B, T]) };
      for (let i = 0; i < config.num_layers; i++) {
        for (const kv of ["key", "value"]) feeds[`past_key_values.${i}.${kv}`] = new ort.Tensor("float32", new Float32Array(0), [B, config.num_heads, 0, config.d_model / config.num_heads]);
      }
      logits = (await (await session(out, "model.onnx")).run(feeds)).logits.data as Float32Array;
    } else {
      logits = (await (await session(out, "model.onnx")).run(idsAndMask(tokenBatch(c.inputs.ids), config.pad_id))).logits.data as Float32Array;
    }
    assert.ok(record(`reference ${config.architecture} logits vs PyTorch`, maxDiff(logits, c.expected.logits!.data)) < TOLERANCE);
  });
}

for (const { name, dir, c } of cases.filter((x) => x.c.kind === "greedy")) {
  test(`reference ${name}: greedy decoding through ONNX Runtime gives PyTorch's tokens`, async () => {
    const { model } = loadCheckpoint(dir);
    const out = exported(model);
    const sessions = await seq2seqSessions(out);
    const config = model.config as Seq2SeqConfig;
    const sources = c.inputs.src.map((r) => r.filter((t) => t !== config.pad_id));
    const got = await ortGreedySeq2Seq(ort, sessions, config, sources, { maxNewTokens: c.max_new_tokens });
    const width = c.expected.tokens![0].length;
    const rows = got.map((r) => [config.bos_id, ...r.tokens, ...new Array<number>(width - 1 - r.tokens.length).fill(config.pad_id)]);
    assert.deepEqual(rows, c.expected.tokens);
  });
}
