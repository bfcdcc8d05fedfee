import { type TokenBatch, tokenBatch } from "../models/batch.js";
import type { Seq2Seq } from "../models/seq2seq.js";
import { inference } from "../nn/index.js";
import { argmax, narrow } from "../tensor/index.js";

/**
 * Plain greedy decoding without a cache (the reference semantics): the encoder runs once; then each step runs
 * the decoder over everything generated so far and appends the argmax of the last position. A row that has
 * emitted eos continues with pad. Returns rows that start with bos. Runs as inference (eval mode, no graph, outputs
 * from slabs), like the cached search.
 */
export function greedyDecodeUncached(model: Seq2Seq, src: TokenBatch, maxNewTokens: number): number[][] {
  const { bos_id: bos, eos_id: eos, pad_id: pad, tgt_vocab_size: V } = model.config;
  return inference(model, () => {
    const enc = model.encode(src);
    const out = Array.from({ length: src.batch }, () => [bos]);
    const done = new Array<boolean>(src.batch).fill(false);
    for (let step = 0; step < maxNewTokens && !done.every(Boolean); step++) {
      const tgt = tokenBatch(out);
      const T = tgt.length;
      const hidden = model.decode(tgt, enc); // (B, T, dModel): every position again, no cache
      const logits = model.logits(narrow(hidden, 1, T - 1, 1)); // (B, 1, V): only the last position is read
      for (let b = 0; b < src.batch; b++) {
        if (done[b]) {
          out[b].push(pad);
          continue;
        }
        const off = b * V;
        const best = argmax(logits.data, off, off + V);
        out[b].push(best);
        done[b] = best === eos;
      }
    }
    return out;
  });
}
