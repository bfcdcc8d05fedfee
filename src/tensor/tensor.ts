import { backend, hostSync } from "../backend/index.js";

/**
 * A Tensor is a row-major Float32Array with a shape and, when it takes part in a gradient computation, a
 * grad buffer and the closure that pushes its grad to the tensors it was computed from (reverse-mode
 * autograd, as micrograd and PyTorch do it). Ops live in ./ops, one family a file, forward beside backward.
 *
 * On a device backend (a GPU: src/backend/device) the array's current values may be in the device's copy. So
 * there are two ways to the same array: `data` and `grad` are for the host, and make the host copy current first
 * (Backend.toHost; free on CPU backends); `buf` and `gradBuf()` are for kernel arguments, which the backend copies
 * to the device only when needed, and must never be indexed on the host.
 */
export class Tensor {
  readonly shape: readonly number[];
  private values: Float32Array;
  private gradValues: Float32Array | null = null;
  requiresGrad: boolean;
  /** The tensors this one was computed from, and how to pass this one's grad on to them. */
  parents: readonly Tensor[] = [];
  backwardFn: (() => void) | null = null;

  constructor(data: Float32Array, shape: readonly number[], requiresGrad = false) {
    const size = shapeSize(shape);
    if (data.length !== size) {
      throw new Error(`Tensor: data has ${data.length} values but shape [${shape.join(", ")}] needs ${size}`);
    }
    this.values = data;
    this.shape = [...shape];
    this.requiresGrad = requiresGrad;
  }

  static zeros(shape: readonly number[], requiresGrad = false): Tensor {
    return new Tensor(new Float32Array(shapeSize(shape)), shape, requiresGrad);
  }

  static from(values: ArrayLike<number>, shape: readonly number[], requiresGrad = false): Tensor {
    return new Tensor(Float32Array.from(values), shape, requiresGrad);
  }

  static scalar(value: number): Tensor {
    return new Tensor(Float32Array.of(value), []);
  }

  /** The values, current on the host (read or write them). */
  get data(): Float32Array {
    if (hostSync !== null) hostSync(this.values);
    return this.values;
  }

  /** The values' array as a kernel argument (not to be indexed on the host: see the class comment). */
  get buf(): Float32Array {
    return this.values;
  }

  /** The gradient, current on the host, or null while there is none. */
  get grad(): Float32Array | null {
    const g = this.gradValues;
    if (g !== null && hostSync !== null) hostSync(g);
    return g;
  }

  set grad(g: Float32Array | null) {
    this.gradValues = g;
  }

  /** The gradient's array as a kernel argument, or null while there is none. */
  get gradRaw(): Float32Array | null {
    return this.gradValues;
  }

  get size(): number {
    return this.values.length;
  }

  get ndim(): number {
    return this.shape.length;
  }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new Error(`item(): tensor has ${this.size} values, not 1`);
    return this.data[0];
  }

  /** The grad buffer, allocated (zeroed) on first use, current on the host. */
  gradBuffer(): Float32Array {
    if (!this.gradValues) this.gradValues = new Float32Array(this.size);
    return this.grad!;
  }

  /** The grad buffer as a kernel argument, allocated (zeroed) on first use. */
  gradBuf(): Float32Array {
    if (!this.gradValues) this.gradValues = new Float32Array(this.size);
    return this.gradValues;
  }

  /**
   * grad += g. With `owned`, the caller hands g over (a buffer it allocated and will not touch again): while
   * grad is still null, g becomes the grad buffer itself instead of being copied. Never pass a buffer that
   * anything else can read or write (another tensor's grad, an op's output) as owned.
   */
  accumulateGrad(g: Float32Array, opts?: { owned?: boolean }): void {
    if (g.length !== this.size) {
      throw new Error(`accumulateGrad: gradient has ${g.length} values, tensor has ${this.size}`);
    }
    if (!this.gradValues) {
      if (opts?.owned) this.gradValues = g;
      else {
        const copy = new Float32Array(g.length);
        backend().tile(g, g.length, copy, g.length); // a copy by the kernels: g's values may be on the device
        this.gradValues = copy;
      }
      return;
    }
    backend().add(this.gradValues, g, this.gradValues, g.length);
  }

  /**
   * Back-propagates from this tensor (a scalar loss unless `seed` is given). Frees the graph as it goes:
   * intermediate tensors lose their grads and closures, leaves (parameters) keep their accumulated grads.
   */
  backward(seed?: Float32Array): void {
    if (!seed && this.size !== 1) throw new Error(`backward(): needs a seed gradient for a tensor of ${this.size} values`);
    const order = topologicalOrder(this);
    this.accumulateGrad(seed ?? Float32Array.of(1), { owned: seed === undefined }); // the seed 1 stays on the host: losses read it there
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i];
      if (t.backwardFn && t.gradRaw) t.backwardFn();
      if (t.backwardFn) {
        t.backwardFn = null;
        t.parents = [];
        t.grad = null;
      }
    }
  }

  /** A tensor with the same data and no history. */
  detach(): Tensor {
    return new Tensor(this.values, this.shape);
  }
}

export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`invalid shape [${shape.join(", ")}]`);
    n *= d;
  }
  return n;
}

function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  // iterative DFS: deep stacks of layers must not overflow the call stack
  const stack: Array<[Tensor, number]> = [[root, 0]];
  seen.add(root);
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    if (i < t.parents.length) {
      top[1]++;
      const p = t.parents[i];
      if (!seen.has(p) && p.requiresGrad) {
        seen.add(p);
        stack.push([p, 0]);
      }
    } else {
      order.push(t);
      stack.pop();
    }
  }
  return order;
}
