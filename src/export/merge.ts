/**
 * Two decoder graphs as one model that picks between them with an If node on a bool input, as Hugging Face
 * optimum merges a seq2seq decoder (decoder_model_merged.onnx, `use_cache_branch`; transformers.js loads only
 * that file). The weights both graphs use (same name, same bytes) become initializers of the outer graph, which
 * a subgraph may read by name (ONNX's outer-scope values), so they are stored once; every other name of a branch
 * is prefixed by it, since ONNX wants each name of a model defined once, branches and outer graph together.
 */
import { DATA_TYPE, type GraphProto, type NodeProto, type TensorProto, type ValueInfoProto } from "./graph.js";

/** AttributeProto.AttributeType.GRAPH. */
const GRAPH_ATTRIBUTE = 5;

function sameTensor(a: TensorProto, b: TensorProto): boolean {
  if (a.data_type !== b.data_type || a.dims.join() !== b.dims.join() || a.raw_data.byteLength !== b.raw_data.byteLength) return false;
  for (let i = 0; i < a.raw_data.byteLength; i++) if (a.raw_data[i] !== b.raw_data[i]) return false;
  return true;
}

/** A graph's nodes and the initializers it alone holds as an If branch: no inputs; `outer` names read from outside. */
function branch(g: GraphProto, prefix: string, outer: ReadonlySet<string>): GraphProto {
  const rename = (n: string): string => (n === "" || outer.has(n) ? n : prefix + n);
  const node: NodeProto[] = g.node.map((n) => ({ ...n, name: prefix + n.name, input: n.input.map(rename), output: n.output.map(rename) }));
  return {
    name: prefix + g.name,
    node,
    initializer: g.initializer.filter((t) => !outer.has(t.name)).map((t) => ({ ...t, name: rename(t.name) })),
    input: [],
    output: g.output.map((o) => ({ ...o, name: rename(o.name) })),
  };
}

export interface MergeOptions {
  name: string;
  /** The bool input that picks `whenTrue`, shape [1] (transformers.js feeds it so). */
  condition: string;
  /** The merged model's outputs, in both graphs' output order (their names must be the same, in that order). */
  outputs: ValueInfoProto[];
}

/**
 * One graph that runs `whenTrue` when `condition` holds, else `whenFalse`. Its inputs: `whenFalse`'s, then those
 * only `whenTrue` has, then `condition`; a caller feeds all of them on every run (the branch not taken ignores its
 * own). Both graphs must return the same output names in the same order.
 */
export function mergeGraphs(whenTrue: GraphProto, whenFalse: GraphProto, opts: MergeOptions): GraphProto {
  const names = (g: GraphProto) => g.output.map((o) => o.name).join();
  if (names(whenTrue) !== names(whenFalse) || names(whenTrue) !== opts.outputs.map((o) => o.name).join()) {
    throw new Error(`mergeGraphs ${opts.name}: the graphs' outputs differ (${names(whenTrue)} vs ${names(whenFalse)})`);
  }
  const falseInputs = new Set(whenFalse.input.map((i) => i.name));
  const input = [...whenFalse.input, ...whenTrue.input.filter((i) => !falseInputs.has(i.name))];
  input.push({ name: opts.condition, type: { tensor_type: { elem_type: DATA_TYPE.bool, shape: { dim: [{ dim_value: 1 }] } } } });
  const theirs = new Map(whenFalse.initializer.map((t) => [t.name, t]));
  const shared = whenTrue.initializer.filter((t) => theirs.has(t.name) && sameTensor(t, theirs.get(t.name)!));
  const outer = new Set([...input.map((i) => i.name), ...shared.map((t) => t.name)]);
  const node: NodeProto = {
    name: `${opts.condition}_if`,
    op_type: "If",
    input: [opts.condition],
    output: opts.outputs.map((o) => o.name),
    attribute: [
      { name: "then_branch", type: GRAPH_ATTRIBUTE, g: branch(whenTrue, "then/", outer) },
      { name: "else_branch", type: GRAPH_ATTRIBUTE, g: branch(whenFalse, "else/", outer) },
    ],
  };
  return { name: opts.name, node: [node], initializer: shared, input, output: opts.outputs };
}
