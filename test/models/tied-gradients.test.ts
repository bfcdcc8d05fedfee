import { test } from "node:test";
import assert from "node:assert/strict";
import { Seq2Seq, initParameters, parseConfig, tokenBatch, type Seq2SeqConfig } from "../../src/models/index.js";
import { type Tensor, crossEntropy } from "../../src/tensor/index.js";
import { type TrainBatch, forwardLoss } from "../../src/train/index.js";

/**
 * The shared matrix of a tied seq2seq model is used three times: as the source embedding, the target embedding
 * and the output projection. Its gradient must be the sum over all three, which central finite differences of
 * the loss see directly: perturbing one entry of the one tensor changes all three uses at once.
 */
const D = 8;
const V = 12;
// GELU, not ReLU: a ReLU kink within ±h of an activation makes the central difference jump
const cfg = parseConfig({
  architecture: "seq2seq", d_model: D, num_heads: 2, d_ff: 16, src_vocab_size: V, tgt_vocab_size: V,
  num_encoder_layers: 1, num_decoder_layers: 1, dropout: 0, activation: "gelu", tie_word_embeddings: true,
}) as Seq2SeqConfig;

// token 3 is only in the source, 6 only in the decoder input, 10 only a target; 5 is in all three, 11 nowhere
// (it still gets the projection's softmax gradient)
const batch: TrainBatch = {
  kind: "seq2seq",
  src: tokenBatch([[3, 4, 5, 3], [4, 5, 0, 0]]),
  tgtIn: tokenBatch([[1, 6, 5, 7], [1, 7, 0, 0]]),
  tgtOut: Int32Array.from([10, 5, 2, 10, 5, 2, 0, 0]),
};
const ROWS = { "source only": 3, "decoder input only": 6, "target only": 10, "all three": 5, nowhere: 11 };
const COLUMNS = [0, 5];

const fused = (m: Seq2Seq): Tensor => forwardLoss(m, batch, 0.1).loss;
const unfused = (m: Seq2Seq): Tensor => {
  if (batch.kind !== "seq2seq") throw new Error("seq2seq batch");
  return crossEntropy(m.forward(batch.src, batch.tgtIn), batch.tgtOut, { ignoreIndex: 0, labelSmoothing: 0.1 });
};

for (const [what, lossOf] of [["the fused output-layer loss (training)", fused], ["logits then cross-entropy", unfused]] as const) {
  test(`tied seq2seq, ${what}: the shared matrix's gradient matches finite differences in every kind of row`, () => {
    const m = new Seq2Seq(cfg);
    initParameters(m, 11);
    m.train();
    const W = m.srcEmbed.weight;
    assert.ok(m.tgtEmbed.weight === W && m.generator.weight === W, "one matrix for the three uses");
    m.zeroGrad();
    lossOf(m).backward();
    const analytic = Float32Array.from(W.grad!);
    const h = 1e-2;
    for (const [kind, row] of Object.entries(ROWS)) {
      for (const col of COLUMNS) {
        const i = row * D + col;
        const orig = W.data[i];
        W.data[i] = orig + h;
        const up = lossOf(m).item();
        W.data[i] = orig - h;
        const down = lossOf(m).item();
        W.data[i] = orig;
        const numeric = (up - down) / (2 * h);
        // float32 losses: the difference quotient is good to about 3e-5 here
        assert.ok(Math.abs(analytic[i] - numeric) <= 2e-4 + 1e-2 * Math.abs(numeric),
          `${kind} row ${row}, column ${col}: autograd ${analytic[i]} vs finite difference ${numeric}`);
      }
    }
  });
}

test("the shared matrix's gradient is the sum of the three gradients an untied copy of the model gets", () => {
  const tied = new Seq2Seq(cfg);
  initParameters(tied, 11);
  const untied = new Seq2Seq({ ...cfg, tie_word_embeddings: false });
  const byName = new Map(untied.namedParameters());
  for (const [n, p] of tied.namedParameters({ withAliases: true })) byName.get(n)!.data.set(p.data);
  for (const m of [tied, untied]) {
    m.train();
    m.zeroGrad();
    fused(m).backward();
  }
  const uses = [untied.srcEmbed, untied.tgtEmbed, untied.generator].map((u) => u.weight.grad!);
  uses.forEach((u, k) => assert.ok(u.some((x) => Math.abs(x) > 1e-2), `use ${k} has a gradient worth checking`));
  const g = tied.srcEmbed.weight.grad!;
  for (let i = 0; i < g.length; i++) {
    const sum = uses[0][i] + uses[1][i] + uses[2][i];
    assert.ok(Math.abs(g[i] - sum) <= 1e-6 + 1e-5 * Math.abs(sum), `element ${i}: tied ${g[i]} vs sum of uses ${sum}`);
  }
});
