/**
 * The kernel interface every backend implements: plain functions on flat, row-major Float32Array buffers.
 * Nothing here knows about tensors, autograd or models. The reference implementation (`js/`) is the oracle
 * that every faster backend is tested against, so each kernel's contract is spelled out exactly here.
 */

/**
 * C[b] = alpha · op(A[b]) · op(B[b]) + beta · C[b] for b in 0..batch-1.
 * op(A) is m×k: A is stored m×k (row stride lda ≥ k), or k×m when transA (lda ≥ m).
 * op(B) is k×n: B is stored k×n (ldb ≥ n), or n×k when transB (ldb ≥ k).
 * C is m×n with row stride ldc ≥ n. Batch b reads A at aOffset + b·strideA, and so on.
 * beta = 0 must ignore whatever C held (NaN included), as BLAS does.
 */
export interface GemmArgs {
  transA?: boolean;
  transB?: boolean;
  m: number;
  n: number;
  k: number;
  a: Float32Array;
  b: Float32Array;
  c: Float32Array;
  aOffset?: number;
  bOffset?: number;
  cOffset?: number;
  lda?: number;
  ldb?: number;
  ldc?: number;
  batch?: number;
  strideA?: number;
  strideB?: number;
  strideC?: number;
  alpha?: number;
  beta?: number;
}

/** GemmArgs with every default filled in. */
export type ResolvedGemm = Required<GemmArgs>;

export function resolveGemm(g: GemmArgs): ResolvedGemm {
  const transA = g.transA ?? false;
  const transB = g.transB ?? false;
  const lda = g.lda ?? (transA ? g.m : g.k);
  const ldb = g.ldb ?? (transB ? g.k : g.n);
  const ldc = g.ldc ?? g.n;
  return {
    transA,
    transB,
    m: g.m,
    n: g.n,
    k: g.k,
    a: g.a,
    b: g.b,
    c: g.c,
    aOffset: g.aOffset ?? 0,
    bOffset: g.bOffset ?? 0,
    cOffset: g.cOffset ?? 0,
    lda,
    ldb,
    ldc,
    batch: g.batch ?? 1,
    strideA: g.strideA ?? g.m * g.k,
    strideB: g.strideB ?? g.k * g.n,
    strideC: g.strideC ?? g.m * g.n,
    alpha: g.alpha ?? 1,
    beta: g.beta ?? 0,
  };
}

/**
 * The mask of attention scores laid out (B, h, T, S): query t of sequence b may attend to key s unless
 * keyPad[b·S + s] is 1, or causal and s > t + queryOffset (queryOffset = number of keys before the first
 * query: 0 in training, the cache length while decoding). A row whose keys are all masked gets all-zero
 * weights (PyTorch would give NaN; zeros keep a padded batch finite).
 */
export interface AttentionMask {
  batch: number; // B
  heads: number; // h
  queries: number; // T
  keys: number; // S
  keyPad?: Uint8Array; // (B, S), 1 = padding
  causal?: boolean;
  queryOffset?: number;
}

/**
 * One query per sentence attending over `keys` keys (decoding over a KV cache), every head at once: for sentence b
 * and head i, weights[b, i, :] = softmax(scale · q_b,i · k_b,i,sᵀ) over the keys s < limit that keyPad does not
 * mark (0 elsewhere; all 0 when no key is left) and out[b, i·dK..(i+1)·dK) = Σ_s weights[b, i, s] · v_b,i,s.
 * The operands are read in place by strides: sentence b's query starts at q[qOffset + b·qStride]; its key s at
 * k[kOffset + b·kStride + s·kLd], its value s at v[vOffset + b·vStride + s·vLd]; head i adds i·dK to each.
 */
export interface AttendOneArgs {
  batch: number; // B
  heads: number; // h
  dK: number;
  keys: number; // S: the length of keyPad's and weights' rows
  limit: number; // keys 0..limit-1 may be attended (a causal cut), limit ≤ keys
  q: Float32Array;
  qOffset: number;
  qStride: number;
  k: Float32Array;
  kOffset: number;
  kStride: number;
  kLd: number;
  v: Float32Array;
  vOffset: number;
  vStride: number;
  vLd: number;
  keyPad: Uint8Array | null; // (B, keys), 1 = padding
  scale: number;
  out: Float32Array; // (B, h·dK), overwritten
  weights: Float32Array; // (B, h, keys), overwritten
}

/**
 * LayerNorm over each row of `cols` values (torch.nn.functional.layer_norm over the last dimension):
 * out = (x − mean) · rstd · gamma + beta, rstd = 1 / sqrt(var + eps) with the biased variance, as PyTorch.
 */
export interface LayerNormArgs {
  x: Float32Array; // (rows, cols)
  gamma: Float32Array; // (cols): PyTorch's weight
  beta: Float32Array; // (cols): PyTorch's bias
  out: Float32Array; // (rows, cols), overwritten
  mean: Float32Array; // (rows), written for the backward
  rstd: Float32Array; // (rows), written for the backward
  rows: number;
  cols: number;
  eps: number;
}

/** LayerNorm's backward from the forward's x, gamma, mean and rstd. */
export interface LayerNormBackwardArgs {
  dy: Float32Array; // (rows, cols)
  x: Float32Array;
  gamma: Float32Array;
  mean: Float32Array;
  rstd: Float32Array;
  dx: Float32Array; // (rows, cols), overwritten
  dGamma: Float32Array; // (cols), added into: it accumulates over calls
  dBeta: Float32Array; // (cols), added into
  rows: number;
  cols: number;
}

/**
 * Per-row cross-entropy of logits (rows, cols) against class `targets`, with PyTorch's label smoothing ε:
 * rowLoss[r] = (1 − ε)·(−log p[target]) + ε · mean_c(−log p[c]). Rows whose target is ignoreIndex get rowLoss 0.
 */
export interface CrossEntropyArgs {
  logits: Float32Array; // (rows, cols)
  targets: Int32Array; // (rows)
  rows: number;
  cols: number;
  ignoreIndex: number; // PyTorch's ignore_index
  labelSmoothing: number; // PyTorch's label_smoothing, ε
  rowLoss: Float32Array; // (rows), written
  logSumExp: Float32Array; // (rows), written for the backward
}

/** CrossEntropyArgs and what its gradient needs: dLogits = scale · ∂rowLoss[r]/∂logits. */
export interface CrossEntropyWithGradArgs extends CrossEntropyArgs {
  scale: number; // the upstream gradient of each row's loss (1/count for a mean)
  dLogits: Float32Array; // (rows, cols), overwritten
}

/** The backward reads the forward's logSumExp and writes no loss. */
export type CrossEntropyBackwardArgs = Omit<CrossEntropyWithGradArgs, "rowLoss">;

export interface AdamArgs {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** true: AdamW (decoupled decay p ← p·(1 − lr·wd)); false: Adam (L2 term g ← g + wd·p). */
  decoupled: boolean;
  /** 1-based step count, for the bias corrections. */
  step: number;
}

/**
 * One strided copy of 1 to 4 dimensions: for every index (i0, …, id−1) < sizes,
 * dst[dstOffset + Σ i_k·dstStrides[k]] = src[srcOffset + Σ i_k·srcStrides[k]]. Offsets and strides are whole
 * numbers ≥ 0 (a source stride 0 repeats a value: broadcasting). Narrowing, concatenation, transposes and appending
 * to a KV cache are such copies. The elements read must not overlap the elements written (the GPU promises no
 * order between them), and no element of dst may be written twice.
 */
export interface CopyStridedArgs {
  src: Float32Array;
  srcOffset: number;
  dst: Float32Array;
  dstOffset: number;
  sizes: readonly number[];
  srcStrides: readonly number[];
  dstStrides: readonly number[];
}

export interface Backend {
  readonly name: string;

  /**
   * Optional: `length` zeroed floats that the backend's kernels read and write where they are, for long-lived
   * arrays (parameters: src/tensor/alloc.ts, parameterFloats). Without it they are ordinary arrays. The storage is
   * reclaimed once the returned array is garbage, so no view made from it (subarray) may outlive it.
   */
  allocate?(length: number): Float32Array;

  /**
   * Optional, for backends whose kernels work on their own copy of the arrays (a GPU's memory; src/backend/device):
   * the host is about to read or write the elements of `a` (or of any view of its buffer), so the host copy must be
   * made current, and the device copy counts as stale until a kernel next needs it. Host code that touches an
   * array a kernel may have written calls it first (Tensor's data and grad accessors do); kernel arguments do not.
   * CPU backends leave it out: their kernels work on the host arrays themselves.
   */
  toHost?(a: ArrayBufferView): void;

  gemm(args: GemmArgs): void;

  /** out[r, :] = softmax(scale · x[r, :]) for r in 0..rows-1. out may alias x. */
  softmax(x: Float32Array, out: Float32Array, rows: number, cols: number, scale: number): void;

  /**
   * Attention weights from raw scores (B, h, T, S): out = softmax(scale · scores) with `mask` applied
   * (masked entries are exactly 0). out may alias scores.
   */
  maskedSoftmax(scores: Float32Array, out: Float32Array, mask: AttentionMask, scale: number): void;

  /** Attention of one query per sentence over cached keys and values (AttendOneArgs). */
  attendOne(args: AttendOneArgs): void;

  /** dx[r, :] = scale · y ⊙ (dy − Σ dy⊙y) for softmax output y; overwrites dx (may alias dy). */
  softmaxBackward(y: Float32Array, dy: Float32Array, dx: Float32Array, rows: number, cols: number, scale: number): void;

  /** LayerNorm of each row (LayerNormArgs); writes mean and rstd for the backward. */
  layerNorm(args: LayerNormArgs): void;

  /** Overwrites dx; adds into dGamma and dBeta (they accumulate over calls). */
  layerNormBackward(args: LayerNormBackwardArgs): void;

  relu(x: Float32Array, out: Float32Array, n: number): void;
  /** dx = dy where x > 0, else 0. Overwrites dx. */
  reluBackward(x: Float32Array, dy: Float32Array, dx: Float32Array, n: number): void;
  /** Exact GELU: x · Φ(x) = x/2 · (1 + erf(x/√2)). */
  gelu(x: Float32Array, out: Float32Array, n: number): void;
  /** dx = dy · (Φ(x) + x·φ(x)). Overwrites dx. */
  geluBackward(x: Float32Array, dy: Float32Array, dx: Float32Array, n: number): void;
  /** GELU's tanh approximation (GPT-2's "gelu_new"): x/2 · (1 + tanh(√(2/π) · (x + 0.044715 x³))). */
  geluTanh(x: Float32Array, out: Float32Array, n: number): void;
  /** Its derivative times dy. Overwrites dx. */
  geluTanhBackward(x: Float32Array, dy: Float32Array, dx: Float32Array, n: number): void;
  /** SiLU (swish): x · σ(x). */
  silu(x: Float32Array, out: Float32Array, n: number): void;
  /** Its derivative times dy: dy · σ(x)(1 + x(1 − σ(x))). Overwrites dx. */
  siluBackward(x: Float32Array, dy: Float32Array, dx: Float32Array, n: number): void;
  /** tanh(x) (BERT's pooler), in float64 and rounded once: within an ulp of float32 tanh. out may be x. */
  tanh(x: Float32Array, out: Float32Array, n: number): void;
  /**
   * dx = dy · (1 − y²) from the forward's output y = tanh(x) (not x: the forward keeps y, so the backward needs no
   * second tanh), in float64, rounded once. Overwrites dx; dx may be dy.
   */
  tanhBackward(y: Float32Array, dy: Float32Array, dx: Float32Array, n: number): void;

  /**
   * Inverted dropout's forward: keep[i] = 1 where hash(key, i) / 2³² ≥ p, else 0 (src/backend/js/dropout.ts's
   * counter-based hash of the two words of `key`), and out[i] = x[i] · (1/(1−p)) · keep[i], rounded once from
   * float64. Every backend computes the same bits.
   */
  dropout(x: Float32Array, out: Float32Array, keep: Uint8Array, n: number, p: number, key: Uint32Array): void;
  /** out[i] = x[i] · scale · keep[i], rounded once from float64 (dropout's backward). out may alias x. */
  maskScale(x: Float32Array, keep: Uint8Array, scale: number, out: Float32Array, n: number): void;

  /** out[j] += Σ_r x[r, j] over x (rows, cols), summed in row order (a bias's gradient). */
  addColumnSums(x: Float32Array, rows: number, cols: number, out: Float32Array): void;

  /** out[i, :] = table[ids[i], :] for i in 0..ids.length-1; each row has `dim` values. */
  embedding(table: Float32Array, ids: Int32Array, dim: number, out: Float32Array): void;
  /** dTable[ids[i], :] += dOut[i, :] (repeated ids accumulate). */
  embeddingBackward(dOut: Float32Array, ids: Int32Array, dim: number, dTable: Float32Array): void;

  /**
   * Each row's loss (CrossEntropyArgs) and logSumExp; returns the number of rows not ignored. A target outside
   * 0..cols-1 (other than ignoreIndex) throws a RangeError naming the row.
   */
  crossEntropy(args: CrossEntropyArgs): number;

  /**
   * dLogits = scale · ∂rowLoss[r]/∂logits for each row (0 for ignored rows): scale · (p − (1−ε)·onehot − ε/C).
   * Overwrites dLogits.
   */
  crossEntropyBackward(args: CrossEntropyBackwardArgs): void;

  /**
   * crossEntropy and then crossEntropyBackward, in one call: returns the rows not ignored, writes rowLoss,
   * logSumExp and dLogits (which may alias logits). Backends may fuse the two passes over the logits.
   */
  crossEntropyWithGrad(args: CrossEntropyWithGradArgs): number;

  /**
   * One Adam/AdamW step in place, exactly as torch.optim.Adam/AdamW (non-amsgrad, non-fused):
   * m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; p ← p − (lr / (1−β1^t)) · m / (sqrt(v)/sqrt(1−β2^t) + eps).
   */
  adam(param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, n: number, args: AdamArgs): void;

  // The host loops of the tensor layer as kernels, so that tensors can stay on a GPU. Every count is a whole
  // number ≥ 0 and every array must hold the elements named, or the kernel throws a RangeError naming both.
  // "out may be x" means the very same elements (out === x), not an overlapping view.

  /**
   * out[i] = a[i] + b[i] for i < n, one float32 addition (correctly rounded: float64's sum rounded to float32 is the
   * same number). out may be a or b. (A GPU may flush subnormal inputs and results to zero, as WGSL allows.)
   */
  add(a: Float32Array, b: Float32Array, out: Float32Array, n: number): void;
  /**
   * out[i] = x[i] + tile[i % period] for i < n, one float32 addition: positions (T, d) added to embeddings
   * (B, T, d), a bias row added to every row. period ≥ 1 and tile holds ≥ period values (n need not be a multiple).
   * out may be x, never tile.
   */
  addTiled(x: Float32Array, tile: Float32Array, out: Float32Array, n: number, period: number): void;
  /** out[i] = src[i % period] for i < n (a copy of bits); period ≥ 1, src holds ≥ period values, out is not src. */
  tile(src: Float32Array, period: number, out: Float32Array, n: number): void;
  /**
   * out[i] = x[i] · s for i < n, the product of float32 x[i] and the float64 s (Math.sqrt(512), say) rounded once to
   * float32, as maskScale's. out may be x.
   */
  scale(x: Float32Array, s: number, out: Float32Array, n: number): void;
  /** out[i] = value rounded to float32 (Math.fround) for i < n. */
  fill(out: Float32Array, value: number, n: number): void;

  /**
   * out[at] = Σ x[i]² for i < n, accumulated in float64 and rounded once to float32 (the reference; a GPU sums in
   * float32 with compensation, a fixed order, within a few ulps). Gradient clipping sums these on the host.
   */
  sumSquares(x: Float32Array, n: number, out: Float32Array, at: number): void;
  /**
   * The strided copy of CopyStridedArgs. A RangeError (one line) for ranks outside 1..4, sizes and strides of
   * different lengths, offsets or strides that are not whole numbers ≥ 0, an index outside either array, elements
   * read that overlap elements written, or a dst layout that writes an element twice.
   */
  copyStrided(args: CopyStridedArgs): void;
  /**
   * out[r] = the lowest index of the largest value of row r of x (rows, cols), cols ≥ 1 — exactly
   * src/tensor/argmax.ts: `>` comparisons from index 0, so a NaN wins only at index 0 (then nothing beats it), NaNs
   * elsewhere are passed over, and 0 and −0 tie.
   */
  argmaxRows(x: Float32Array, rows: number, cols: number, out: Int32Array): void;
  /**
   * The mean over the positions of each sequence that are not padding: x (batch, T, d), keyPad (batch, T) with
   * nonzero = pad, or null for none → out (batch, d). Each sum runs over t in order in float32 (a float32 store per
   * addition), then is divided by the count of positions (correctly rounded on the CPU; a GPU's f32 division is
   * within 2.5 ulp, as WGSL allows); a sequence that is all padding gives zeros. out is not x.
   */
  maskedMeanPool(x: Float32Array, keyPad: Uint8Array | null, out: Float32Array, batch: number, T: number, d: number): void;
  /**
   * Its backward: dx[b, t, :] += dOut[b, :] · (1/count_b) at the positions that are not padding (float64, rounded
   * once per element); padding positions and all-padding sequences are left as they are.
   */
  maskedMeanPoolBackward(dOut: Float32Array, keyPad: Uint8Array | null, dx: Float32Array, batch: number, T: number, d: number): void;
  /**
   * out[r, c] = x[r, c] − lse[r] over x (rows, cols), with lse[r] = m + log Σ_c exp(x[r, c] − m), m the row's max
   * (`>` from −∞), rounded to float32, and the difference rounded to float32: the arithmetic decoding uses today
   * (src/generate: rowLogSumExp through crossEntropy's logSumExp, then `scores[j] -= lse`), so it can replace that
   * bit for bit on each backend. The reference sums the exps in float64; wasm and native sum in float32 lanes (their
   * crossEntropy's). Entries of −∞ count as exp 0. out may be x.
   */
  logSoftmax(x: Float32Array, out: Float32Array, rows: number, cols: number): void;
}
