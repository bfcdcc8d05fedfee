import { backend } from "../../backend/index.js";
import { record } from "../autograd.js";
import { Tensor } from "../tensor.js";
import { floats } from "../alloc.js";

/** Looks up rows of `table` (V, d) for integer ids of shape `idsShape` → (...idsShape, d). */
export function embedding(table: Tensor, ids: Int32Array, idsShape: readonly number[]): Tensor {
  const [V, d] = table.shape;
  for (let i = 0; i < ids.length; i++) {
    if (ids[i] < 0 || ids[i] >= V) throw new RangeError(`embedding: token id ${ids[i]} at position ${i} is outside the vocabulary of ${V}`);
  }
  const out = floats(ids.length * d);
  backend().embedding(table.buf, ids, d, out);
  return record(out, [...idsShape, d], [table], (o) => {
    backend().embeddingBackward(o.gradRaw!, ids, d, table.gradBuf());
  });
}
