import { backend } from "../backend/index.js";
import type { Tensor } from "../tensor/index.js";

export interface AdamOptions {
  lr: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
  /** AdamW (Loshchilov & Hutter): decay the weights directly instead of adding wd·p to the gradient. */
  decoupled?: boolean;
}

/** Moments of one parameter, saved with training state so that a resumed run continues exactly. */
export interface AdamSlot {
  m: Float32Array;
  v: Float32Array;
}

/**
 * Adam (Kingma & Ba), step for step as torch.optim.Adam/AdamW. The paper trains with β = (0.9, 0.98),
 * eps = 1e-9 and a warm-up schedule that sets lr before every step.
 */
export class Adam {
  readonly params: Array<[string, Tensor]>;
  readonly slots: Map<string, AdamSlot>;
  stepCount = 0;
  lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly decoupled: boolean;

  /** `params` as Module.namedParameters() lists them: a tensor twice (a tied weight under two names) is refused. */
  constructor(params: Array<[string, Tensor]>, opts: AdamOptions) {
    const nameOf = new Map<Tensor, string>();
    for (const [n, p] of params) {
      const first = nameOf.get(p);
      if (first !== undefined) throw new Error(`Adam: "${n}" is the same tensor as "${first}"; a tied weight is one parameter and gets one update`);
      nameOf.set(p, n);
    }
    this.params = params;
    this.lr = opts.lr;
    [this.beta1, this.beta2] = opts.betas ?? [0.9, 0.999];
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0;
    this.decoupled = opts.decoupled ?? false;
    this.slots = new Map(params.map(([n, p]) => [n, { m: new Float32Array(p.size), v: new Float32Array(p.size) }]));
  }

  /** Applies one update to every parameter that has a gradient. */
  step(): void {
    this.stepCount++;
    const be = backend();
    for (const [name, p] of this.params) {
      const grad = p.gradRaw;
      if (!grad) continue;
      const s = this.slots.get(name)!;
      be.adam(p.buf, grad, s.m, s.v, p.size, {
        lr: this.lr, beta1: this.beta1, beta2: this.beta2, eps: this.eps,
        weightDecay: this.weightDecay, decoupled: this.decoupled, step: this.stepCount,
      });
    }
  }

  zeroGrad(): void {
    for (const [, p] of this.params) p.grad = null;
  }
}
