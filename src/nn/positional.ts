import { type Recorder, Tensor, add, embedding, narrow, reshape } from "../tensor/index.js";
import { Module } from "./module.js";

/**
 * The paper's sinusoidal table (§3.5): PE[pos, 2i] = sin(pos / 10000^(2i/dModel)), PE[pos, 2i+1] = cos(same).
 * (maxLen, dModel), computed in float64 and rounded once, as the PyTorch reference does. Layout "halves" puts
 * the same values as [sin of every frequency | cos of every frequency] (Marian's, transformers'
 * MarianSinusoidalPositionalEmbedding; an odd dModel has one sine more).
 */
export function sinusoidalPositions(maxLen: number, dModel: number, layout: SinusoidLayout = "interleaved"): Float32Array {
  const pe = new Float32Array(maxLen * dModel);
  const sines = Math.ceil(dModel / 2);
  for (let pos = 0; pos < maxLen; pos++) {
    for (let i = 0; 2 * i < dModel; i++) {
      const angle = pos / Math.pow(10000, (2 * i) / dModel);
      const hasCos = 2 * i + 1 < dModel;
      if (layout === "interleaved") {
        pe[pos * dModel + 2 * i] = Math.sin(angle);
        if (hasCos) pe[pos * dModel + 2 * i + 1] = Math.cos(angle);
      } else {
        pe[pos * dModel + i] = Math.sin(angle);
        if (hasCos) pe[pos * dModel + sines + i] = Math.cos(angle);
      }
    }
  }
  return pe;
}

/** Where a sinusoidal table puts each frequency's cosine: beside its sine (the paper's), or in a second half. */
export type SinusoidLayout = "interleaved" | "halves";

/**
 * Adds position information to (B, T, dModel) embeddings, starting at position `offset` (non-zero while
 * decoding with a cache): the fixed sinusoidal table, or a learned table stored as `weight` (maxLen, dModel).
 */
export class PositionalEncoding extends Module {
  readonly weight: Tensor | null;
  private readonly table: Tensor | null;
  constructor(readonly kind: "sinusoidal" | "learned", readonly maxLen: number, readonly dModel: number, layout: SinusoidLayout = "interleaved") {
    super();
    if (kind === "learned") {
      this.weight = this.addParameter("weight", [maxLen, dModel]);
      this.table = null;
    } else {
      this.weight = null;
      this.table = new Tensor(sinusoidalPositions(maxLen, dModel, layout), [maxLen, dModel]);
    }
  }

  /** `rec` gets the table's `terms` (T, dModel) added at positions offset.. and their `sum` with x (the output). */
  forward(x: Tensor, offset = 0, rec?: Recorder): Tensor {
    const T = x.shape[1];
    if (offset + T > this.maxLen) {
      throw new RangeError(`positions ${offset}..${offset + T - 1} exceed the model's max_len ${this.maxLen}`);
    }
    const table = this.weight ?? this.table!;
    const rows = narrow(table, 0, offset, T); // (T, dModel)
    const y = add(x, reshape(rows, [1, T, this.dModel])); // (B, T, dModel)
    if (rec) {
      rec("terms", rows.data, rows.shape);
      rec("sum", y.data, y.shape);
    }
    return y;
  }

  /**
   * Like forward, but each token has its own position: `positions` (B, T) row-major. Decoding a batch of
   * left-padded prompts uses it so that every prompt starts at position 0, as it would alone.
   */
  forwardAt(x: Tensor, positions: Int32Array): Tensor {
    const [B, T] = x.shape;
    if (positions.length !== B * T) throw new Error(`positions has ${positions.length} entries, expected ${B}×${T}`);
    for (const p of positions) {
      if (p < 0 || p >= this.maxLen) throw new RangeError(`position ${p} exceeds the model's max_len ${this.maxLen}`);
    }
    return add(x, embedding(this.weight ?? this.table!, positions, [B, T])); // (B, T, dModel)
  }
}
