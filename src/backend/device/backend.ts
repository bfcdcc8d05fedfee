import {
  resolveGemm, type AdamArgs, type CopyStridedArgs, type AttendOneArgs, type AttentionMask, type Backend, type CrossEntropyArgs, type CrossEntropyBackwardArgs,
  type CrossEntropyWithGradArgs, type GemmArgs, type LayerNormArgs, type LayerNormBackwardArgs,
} from "../backend.js";
import { checkGemmBounds, checkGemmShape } from "../gemm-checks.js";
import {
  checkAttendOne, checkCopyDisjoint, checkLayerNorm, checkLayerNormBackward, checkLengths, checkMeanPool, checkPeriod, checkTargets, copyStridedSpans, need,
} from "../kernel-args.js";
import type { Device, Ref } from "./device.js";
import { Residency, type Access, type HostView, type ResidencyStats } from "./residency.js";

export interface DeviceBackend extends Backend {
  readonly device: Device;
  readonly adapter?: Device["adapter"];
  toHost(a: ArrayBufferView): void;
  /** Copies and kernels so far, and the device buffers alive (tests count them: no per-op readback, flat memory). */
  stats(): ResidencyStats;
  /** Waits for the device; throws the first error it reported. */
  sync(): void;
  dispose(): void;
}

type Arg = [HostView, Access];

/** `out` is overwritten whole when the kernel writes all of its `n` elements, else only partly. */
const over = (out: HostView, n: number): Arg => [out, out.length === n ? "o" : "w"];

/**
 * The Backend on a Device: each kernel's host arrays become device Refs through the Residency (./residency.ts),
 * which copies a buffer only when the other side holds the current values, and the kernel runs on the device.
 * Argument checks run here on the host, before anything is queued, so that bad input throws the same one-line
 * RangeError as on the CPU backends even where the device runs later (a GPU). Every kernel returns at once but
 * crossEntropy's row count, which comes from the targets on the host.
 */
export function createDeviceBackend(device: Device, opts: { name?: string; check?: boolean } = {}): DeviceBackend {
  const label = opts.name ?? device.name;
  const res = new Residency(device, opts.check ?? false);

  /** Refs for `args` (reads first, so that a buffer read and overwritten by one kernel is uploaded), then the kernel. */
  function call(kernel: string, args: Arg[], build: (refs: Ref[]) => unknown[]): void {
    const refs: Ref[] = new Array(args.length);
    const read = new Set<ArrayBufferLike>();
    args.forEach(([a, access], i) => {
      if (access === "o") return;
      refs[i] = res.acquire(a, access);
      read.add(a.buffer);
    });
    args.forEach(([a, access], i) => {
      if (access === "o") refs[i] = res.acquire(a, read.has(a.buffer) ? "w" : "o");
    });
    res.kernel();
    device.run(kernel, build(refs));
  }

  const unary = (kernel: string) => (x: Float32Array, out: Float32Array, n: number): void => {
    need(label, kernel, "x", x, n);
    need(label, kernel, "out", out, n);
    call(kernel, [[x, "r"], over(out, n)], ([rx, ro]) => [rx, ro, n]);
  };
  const backward = (kernel: string) => (x: Float32Array, dy: Float32Array, dx: Float32Array, n: number): void => {
    need(label, kernel, "x", x, n);
    need(label, kernel, "dy", dy, n);
    need(label, kernel, "dx", dx, n);
    call(kernel, [[x, "r"], [dy, "r"], over(dx, n)], ([rx, rdy, rdx]) => [rx, rdy, rdx, n]);
  };

  /** Ids on the host, in range: the check reads them there (they came from the host, or a decoding step read them). */
  function checkIds(kernel: string, ids: Int32Array, rows: number): void {
    res.toHost(ids);
    for (let i = 0; i < ids.length; i++) {
      if (ids[i] < 0 || ids[i] >= rows) throw new RangeError(`${kernel}: id ${ids[i]} at position ${i} is outside the ${rows} rows of the table`);
    }
  }

  function countTargets(a: Pick<CrossEntropyArgs, "targets" | "rows" | "cols" | "ignoreIndex">): number {
    res.toHost(a.targets);
    checkTargets(label, a);
    let count = 0;
    for (let r = 0; r < a.rows; r++) if (a.targets[r] !== a.ignoreIndex) count++;
    return count;
  }

  return {
    name: label,
    device,
    adapter: device.adapter,
    toHost: (a) => res.toHost(a),
    stats: () => res.stats(),
    sync: () => device.sync(),
    dispose: () => device.dispose(),

    gemm(g: GemmArgs): void {
      const r = resolveGemm(g);
      checkGemmShape(r, label);
      checkGemmBounds(r, label);
      const dense = r.cOffset === 0 && r.ldc === r.n && (r.batch === 1 || r.strideC === r.m * r.n) && r.m * r.n * r.batch === r.c.length;
      const cAccess: Access = r.beta !== 0 ? "rw" : dense ? "o" : "w";
      call("gemm", [[r.a, "r"], [r.b, "r"], [r.c, cAccess]], ([a, b, c]) => [{ ...r, a, b, c }]);
    },

    softmax(x, out, rows, cols, scale) {
      need(label, "softmax", "x", x, rows * cols);
      need(label, "softmax", "out", out, rows * cols);
      call("softmax", [[x, "r"], over(out, rows * cols)], ([rx, ro]) => [rx, ro, rows, cols, scale]);
    },

    maskedSoftmax(scores: Float32Array, out: Float32Array, mask: AttentionMask, scale: number): void {
      const n = mask.batch * mask.heads * mask.queries * mask.keys;
      need(label, "maskedSoftmax", "scores", scores, n);
      need(label, "maskedSoftmax", "out", out, n);
      if (mask.keyPad) need(label, "maskedSoftmax", "keyPad", mask.keyPad, mask.batch * mask.keys);
      const args: Arg[] = [[scores, "r"], over(out, n)];
      if (mask.keyPad) args.push([mask.keyPad, "r"]);
      call("maskedSoftmax", args, ([s, o, pad]) => [s, o, { ...mask, keyPad: pad }, scale]);
    },

    attendOne(a: AttendOneArgs): void {
      checkAttendOne(label, a);
      const args: Arg[] = [[a.q, "r"], [a.k, "r"], [a.v, "r"], over(a.out, a.batch * a.heads * a.dK), over(a.weights, a.batch * a.heads * a.keys)];
      if (a.keyPad) args.push([a.keyPad, "r"]);
      call("attendOne", args, ([q, k, v, out, weights, keyPad]) => [{ ...a, q, k, v, out, weights, keyPad: keyPad ?? null }]);
    },

    softmaxBackward(y, dy, dx, rows, cols, scale) {
      const n = rows * cols;
      need(label, "softmaxBackward", "y", y, n);
      need(label, "softmaxBackward", "dy", dy, n);
      need(label, "softmaxBackward", "dx", dx, n);
      call("softmaxBackward", [[y, "r"], [dy, "r"], over(dx, n)], ([ry, rdy, rdx]) => [ry, rdy, rdx, rows, cols, scale]);
    },

    layerNorm(a: LayerNormArgs): void {
      checkLayerNorm(label, a);
      call("layerNorm", [[a.x, "r"], [a.gamma, "r"], [a.beta, "r"], over(a.out, a.rows * a.cols), over(a.mean, a.rows), over(a.rstd, a.rows)],
        ([x, gamma, beta, out, mean, rstd]) => [{ ...a, x, gamma, beta, out, mean, rstd }]);
    },

    layerNormBackward(a: LayerNormBackwardArgs): void {
      checkLayerNormBackward(label, a);
      call("layerNormBackward",
        [[a.dy, "r"], [a.x, "r"], [a.gamma, "r"], [a.mean, "r"], [a.rstd, "r"], over(a.dx, a.rows * a.cols), [a.dGamma, "rw"], [a.dBeta, "rw"]],
        ([dy, x, gamma, mean, rstd, dx, dGamma, dBeta]) => [{ ...a, dy, x, gamma, mean, rstd, dx, dGamma, dBeta }]);
    },

    relu: unary("relu"),
    gelu: unary("gelu"),
    geluTanh: unary("geluTanh"),
    silu: unary("silu"),
    reluBackward: backward("reluBackward"),
    geluBackward: backward("geluBackward"),
    geluTanhBackward: backward("geluTanhBackward"),
    siluBackward: backward("siluBackward"),

    dropout(x, out, keep, n, p, key) {
      need(label, "dropout", "x", x, n);
      need(label, "dropout", "out", out, n);
      need(label, "dropout", "keep", keep, n);
      const k = Uint32Array.from(key); // a value: the caller may change its key array afterwards
      call("dropout", [[x, "r"], over(out, n), over(keep, n)], ([rx, ro, rk]) => [rx, ro, rk, n, p, k]);
    },

    maskScale(x, keep, scale, out, n) {
      need(label, "maskScale", "x", x, n);
      need(label, "maskScale", "keep", keep, n);
      need(label, "maskScale", "out", out, n);
      call("maskScale", [[x, "r"], [keep, "r"], over(out, n)], ([rx, rk, ro]) => [rx, rk, scale, ro, n]);
    },

    addColumnSums(x, rows, cols, out) {
      need(label, "addColumnSums", "x", x, rows * cols);
      need(label, "addColumnSums", "out", out, cols);
      call("addColumnSums", [[x, "r"], [out, "rw"]], ([rx, ro]) => [rx, rows, cols, ro]);
    },

    embedding(table, ids, dim, out) {
      checkIds("embedding", ids, Math.floor(table.length / dim));
      need(label, "embedding", "out", out, ids.length * dim);
      call("embedding", [[table, "r"], [ids, "r"], over(out, ids.length * dim)], ([t, i, o]) => [t, i, dim, o]);
    },

    embeddingBackward(dOut, ids, dim, dTable) {
      checkIds("embeddingBackward", ids, Math.floor(dTable.length / dim));
      need(label, "embeddingBackward", "dOut", dOut, ids.length * dim);
      call("embeddingBackward", [[dOut, "r"], [ids, "r"], [dTable, "rw"]], ([d, i, t]) => [d, i, dim, t]);
    },

    crossEntropy(a: CrossEntropyArgs): number {
      need(label, "crossEntropy", "logits", a.logits, a.rows * a.cols);
      need(label, "crossEntropy", "rowLoss", a.rowLoss, a.rows);
      need(label, "crossEntropy", "logSumExp", a.logSumExp, a.rows);
      const count = countTargets(a);
      call("crossEntropy", [[a.logits, "r"], [a.targets, "r"], over(a.rowLoss, a.rows), over(a.logSumExp, a.rows)],
        ([logits, targets, rowLoss, logSumExp]) => [{ ...a, logits, targets, rowLoss, logSumExp }]);
      return count;
    },

    crossEntropyBackward(a: CrossEntropyBackwardArgs): void {
      need(label, "crossEntropyBackward", "logits", a.logits, a.rows * a.cols);
      need(label, "crossEntropyBackward", "dLogits", a.dLogits, a.rows * a.cols);
      need(label, "crossEntropyBackward", "logSumExp", a.logSumExp, a.rows);
      countTargets(a);
      call("crossEntropyBackward", [[a.logits, "r"], [a.targets, "r"], [a.logSumExp, "r"], over(a.dLogits, a.rows * a.cols)],
        ([logits, targets, logSumExp, dLogits]) => [{ ...a, logits, targets, logSumExp, dLogits }]);
    },

    crossEntropyWithGrad(a: CrossEntropyWithGradArgs): number {
      need(label, "crossEntropy", "logits", a.logits, a.rows * a.cols);
      need(label, "crossEntropy", "dLogits", a.dLogits, a.rows * a.cols);
      need(label, "crossEntropy", "rowLoss", a.rowLoss, a.rows);
      need(label, "crossEntropy", "logSumExp", a.logSumExp, a.rows);
      const count = countTargets(a);
      call("crossEntropyWithGrad",
        [[a.logits, "r"], [a.targets, "r"], over(a.rowLoss, a.rows), over(a.logSumExp, a.rows), over(a.dLogits, a.rows * a.cols)],
        ([logits, targets, rowLoss, logSumExp, dLogits]) => [{ ...a, logits, targets, rowLoss, logSumExp, dLogits }]);
      return count;
    },

    add(a, b, out, n) {
      checkLengths("add", n, { a, b, out });
      call("add", [[a, "r"], [b, "r"], over(out, n)], ([ra, rb, ro]) => [ra, rb, ro, n]);
    },

    addTiled(x, tile, out, n, period) {
      checkLengths("addTiled", n, { x, out });
      checkPeriod("addTiled", "tile", tile, period, n);
      call("addTiled", [[x, "r"], [tile, "r"], over(out, n)], ([rx, rt, ro]) => [rx, rt, ro, n, period]);
    },

    tile(src, period, out, n) {
      checkLengths("tile", n, { out });
      checkPeriod("tile", "src", src, period, n);
      call("tile", [[src, "r"], over(out, n)], ([rs, ro]) => [rs, period, ro, n]);
    },

    scale(x, sc, out, n) {
      checkLengths("scale", n, { x, out });
      call("scale", [[x, "r"], over(out, n)], ([rx, ro]) => [rx, sc, ro, n]);
    },

    fill(out, value, n) {
      checkLengths("fill", n, { out });
      call("fill", [over(out, n)], ([ro]) => [ro, value, n]);
    },

    copyStrided(a: CopyStridedArgs): void {
      const spans = copyStridedSpans(a, a.src.length, a.dst.length);
      if (spans === null) return;
      if (a.src.buffer === a.dst.buffer) checkCopyDisjoint(spans, a.src.byteOffset / 4, a.dst.byteOffset / 4);
      const count = a.sizes.reduce((p, d) => p * d, 1); // distinct elements (the check above): all of dst when equal
      call("copyStrided", [[a.src, "r"], over(a.dst, count)], ([src, dst]) => [{ ...a, src, dst, sizes: [...a.sizes], srcStrides: [...a.srcStrides], dstStrides: [...a.dstStrides] }]);
    },

    sumSquares(x, n, out, at) {
      checkLengths("sumSquares", n, { x });
      if (!Number.isInteger(at) || at < 0 || at >= out.length) throw new RangeError(`sumSquares: at ${at} is outside out's ${out.length} elements`);
      call("sumSquares", [[x, "r"], [out, "w"]], ([rx, ro]) => [rx, n, ro, at]);
    },

    argmaxRows(x, rows, cols, out) {
      checkLengths("argmaxRows", rows * cols, { x });
      checkLengths("argmaxRows", rows, { out });
      if (rows > 0 && cols < 1) throw new RangeError(`argmaxRows: cols must be ≥ 1, got ${cols}`);
      call("argmaxRows", [[x, "r"], over(out, rows)], ([rx, ro]) => [rx, rows, cols, ro]);
    },

    tanh(x, out, n) {
      checkLengths("tanh", n, { x, out });
      call("tanh", [[x, "r"], over(out, n)], ([rx, ro]) => [rx, ro, n]);
    },

    tanhBackward(y, dy, dx, n) {
      checkLengths("tanhBackward", n, { y, dy, dx });
      call("tanhBackward", [[y, "r"], [dy, "r"], over(dx, n)], ([ry, rdy, rdx]) => [ry, rdy, rdx, n]);
    },

    maskedMeanPool(x, keyPad, out, batch, T, d) {
      checkMeanPool("maskedMeanPool", ["x", x], ["out", out], keyPad, batch, T, d);
      const args: Arg[] = [[x, "r"], over(out, batch * d)];
      if (keyPad) args.push([keyPad, "r"]);
      call("maskedMeanPool", args, ([rx, ro, pad]) => [rx, pad ?? null, ro, batch, T, d]);
    },

    maskedMeanPoolBackward(dOut, keyPad, dx, batch, T, d) {
      checkMeanPool("maskedMeanPoolBackward", ["dx", dx], ["dOut", dOut], keyPad, batch, T, d);
      const args: Arg[] = [[dOut, "r"], [dx, "rw"]];
      if (keyPad) args.push([keyPad, "r"]);
      call("maskedMeanPoolBackward", args, ([rd, rdx, pad]) => [rd, pad ?? null, rdx, batch, T, d]);
    },

    logSoftmax(x, out, rows, cols) {
      checkLengths("logSoftmax", rows * cols, { x, out });
      call("logSoftmax", [[x, "r"], over(out, rows * cols)], ([rx, ro]) => [rx, ro, rows, cols]);
    },

    adam(param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, n: number, args: AdamArgs): void {
      for (const [name, x] of [["param", param], ["grad", grad], ["m", m], ["v", v]] as const) need(label, "adam", name, x, n);
      call("adam", [[param, "rw"], [grad, "r"], [m, "rw"], [v, "rw"]], ([p, g, rm, rv]) => [p, g, rm, rv, n, { ...args }]);
    },
  };
}
