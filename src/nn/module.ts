import { Tensor, noGrad, parameterFloats, shapeSize, withSlabs } from "../tensor/index.js";

export interface ParameterWalk {
  /**
   * Also list the further names of a tensor that several modules share (a tied weight), as PyTorch's state_dict()
   * does; without it each tensor is listed once, under its first name, as PyTorch's named_parameters() does.
   */
  withAliases?: boolean;
}

/**
 * A tree of parameters with PyTorch's naming: a parameter's name is the path of child names down to it
 * (`transformer.encoder.layers.0.self_attn.in_proj_weight`), so checkpoints match state_dict names exactly.
 * Two modules may hold one tensor (weight tying, paper §3.4): it is then one parameter with several names.
 */
export abstract class Module {
  training = true;
  private readonly params = new Map<string, Tensor>();
  private readonly children = new Map<string, Module>();

  /** A new zeroed parameter of `shape`, or `shared` (another module's parameter of that shape) under this name too. */
  protected addParameter(name: string, shape: number[], shared?: Tensor): Tensor {
    if (shared && (shared.ndim !== shape.length || shared.shape.some((d, i) => d !== shape[i]))) {
      throw new Error(`${this.constructor.name}.${name}: shared tensor has shape [${shared.shape.join(", ")}], expected [${shape.join(", ")}]`);
    }
    const t = shared ?? new Tensor(parameterFloats(shapeSize(shape)), shape, true);
    this.params.set(name, t);
    return t;
  }

  protected addChild<M extends Module>(name: string, m: M): M {
    this.children.set(name, m);
    return m;
  }

  /**
   * Every parameter under this module with its full dotted name, in registration order: each tensor once, so that
   * a tied weight gets one optimizer slot and one share of the gradient norm (`withAliases` for every name).
   */
  namedParameters(opts: ParameterWalk = {}): Array<[string, Tensor]> {
    const all: Array<[string, Tensor]> = [];
    this.collect("", all);
    if (opts.withAliases) return all;
    const seen = new Set<Tensor>();
    return all.filter(([, t]) => {
      if (seen.has(t)) return false;
      seen.add(t);
      return true;
    });
  }

  private collect(prefix: string, out: Array<[string, Tensor]>): void {
    for (const [n, t] of this.params) out.push([prefix + n, t]);
    for (const [n, c] of this.children) c.collect(`${prefix}${n}.`, out);
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
