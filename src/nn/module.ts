import { Tensor, noGrad, withSlabs } from "../tensor/index.js";

/**
 * A tree of parameters with PyTorch's naming: a parameter's name is the path of child names down to it
 * (`transformer.encoder.layers.0.self_attn.in_proj_weight`), so checkpoints match state_dict names exactly.
 */
export abstract class Module {
  training = true;
  private readonly params = new Map<string, Tensor>();
  private readonly children = new Map<string, Module>();

  protected addParameter(name: string, shape: number[]): Tensor {
    const t = Tensor.zeros(shape, true);
    this.params.set(name, t);
    return t;
  }

  protected addChild<M extends Module>(name: string, m: M): M {
    this.children.set(name, m);
    return m;
  }

  /** Every parameter under this module with its full dotted name, in registration order. */
  namedParameters(prefix = ""): Array<[string, Tensor]> {
    const out: Array<[string, Tensor]> = [];
    for (const [n, t] of this.params) out.push([prefix + n, t]);
    for (const [n, c] of this.children) out.push(...c.namedParameters(`${prefix}${n}.`));
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** Training mode turns dropout on; eval mode (inference) turns it off. */
  train(on = true): this {
    this.training = on;
    for (const c of this.children.values()) c.train(on);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }
}

/** Numbered children, as torch.nn.ModuleList: names `0`, `1`, ... */
export class ModuleList<M extends Module> extends Module {
  readonly items: M[];
  constructor(items: M[]) {
    super();
    this.items = items;
    items.forEach((m, i) => this.addChild(String(i), m));
  }
}

/** Runs fn as inference: the module in eval mode (no dropout) and no graph recorded; its mode is restored after. */
export function inference<T>(module: Module, fn: () => T): T {
  const wasTraining = module.training;
  if (wasTraining) module.eval();
  try {
    return noGrad(() => withSlabs(fn)); // many small outputs, none kept for a backward: see tensor/alloc.ts
  } finally {
    if (wasTraining) module.train();
  }
}
