/**
 * An ONNX graph as plain objects shaped like onnx.proto's messages (GraphProto, NodeProto, TensorProto,
 * ValueInfoProto; field names as the .proto spells them), built one node at a time. The writer (writer.ts)
 * encodes them; nothing here knows protobuf. Value names are scoped by the layer that makes them
 * ("transformer.encoder.layers.0.self_attn/MatMul_3"), so that a viewer such as Netron shows where a node belongs.
 */
import type { Tensor } from "../tensor/index.js";

/** onnx.proto's TensorProto.DataType values for the element types an export uses. */
export const DATA_TYPE = { float32: 1, int64: 7, bool: 9 } as const;
export type ElementType = keyof typeof DATA_TYPE;

/** A dimension: a fixed size, or a name (dim_param) for a size known only at run time: "batch_size". */
export type Dim = number | string;

/** AttributeProto.AttributeType values. */
const ATTRIBUTE_TYPE = { FLOAT: 1, INT: 2, INTS: 7 } as const;

/** An attribute value, tagged with its ONNX type (a JS number alone does not say int or float). */
export type Attribute = { float: number } | { int: number } | { ints: readonly number[] };

export interface TensorProto {
  name: string;
  dims: number[];
  data_type: number;
  /** Little-endian element bytes. */
  raw_data: Uint8Array;
}

export interface ValueInfoProto {
  name: string;
  type: { tensor_type: { elem_type: number; shape: { dim: Array<{ dim_value: number } | { dim_param: string }> } } };
}

export interface NodeProto {
  name: string;
  op_type: string;
  input: string[];
  output: string[];
  /** `g`: a subgraph (an If node's branches). */
  attribute: Array<{ name: string; type: number; f?: number; i?: number; ints?: number[]; g?: GraphProto }>;
}

export interface GraphProto {
  name: string;
  node: NodeProto[];
  initializer: TensorProto[];
  input: ValueInfoProto[];
  output: ValueInfoProto[];
}

/** The bytes of a typed array in little-endian order (a view where the machine is little-endian, as most are). */
function littleEndianBytes(a: Float32Array | BigInt64Array): Uint8Array {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] === 1) return bytes;
  const out = new Uint8Array(a.byteLength);
  const view = new DataView(out.buffer);
  a.forEach((v: number | bigint, i: number) => (typeof v === "bigint" ? view.setBigInt64(i * 8, v, true) : view.setFloat32(i * 4, v, true)));
  return out;
}

export function valueInfo(name: string, type: ElementType, dims: readonly Dim[]): ValueInfoProto {
  const dim = dims.map((d) => (typeof d === "number" ? { dim_value: d } : { dim_param: d }));
  return { name, type: { tensor_type: { elem_type: DATA_TYPE[type], shape: { dim } } } };
}

function attributes(attrs: Readonly<Record<string, Attribute>>): NodeProto["attribute"] {
  return Object.entries(attrs).map(([name, a]) => {
    if ("float" in a) return { name, type: ATTRIBUTE_TYPE.FLOAT, f: a.float };
    if ("int" in a) return { name, type: ATTRIBUTE_TYPE.INT, i: a.int };
    return { name, type: ATTRIBUTE_TYPE.INTS, ints: [...a.ints] };
  });
}

export class GraphBuilder {
  private readonly nodes: NodeProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private readonly inputs: ValueInfoProto[] = [];
  private readonly outputs: ValueInfoProto[] = [];
  private readonly names = new Set<string>();
  /** Initializers by the tensor they hold: a tied weight is stored once, under its first name. */
  private readonly byTensor = new Map<Tensor, string>();
  private readonly constants = new Map<string, string>();
  private scopes: string[] = [];
  private counter = 0;

  constructor(readonly name: string) {}

  /** Runs `fn` with node names under `scope` (a state-dict prefix such as "transformer.decoder.layers.1"). */
  within<T>(scope: string, fn: () => T): T {
    this.scopes.push(scope);
    try {
      return fn();
    } finally {
      this.scopes.pop();
    }
  }

  private fresh(hint: string): string {
    const scope = this.scopes.at(-1);
    const name = `${scope ? scope + "/" : ""}${hint}_${this.counter++}`;
    this.names.add(name);
    return name;
  }

  private claim(name: string): string {
    if (this.names.has(name)) throw new Error(`GraphBuilder ${this.name}: the name "${name}" is taken`);
    this.names.add(name);
    return name;
  }

  /** A graph input; returns its value name. */
  input(name: string, type: ElementType, dims: readonly Dim[]): string {
    this.inputs.push(valueInfo(this.claim(name), type, dims));
    return name;
  }

  /** Makes `value` the graph output `name` (through an Identity node when the value has another name). */
  output(value: string, name: string, type: ElementType, dims: readonly Dim[]): void {
    const out = value === name ? name : this.node("Identity", [value], {}, name);
    this.outputs.push(valueInfo(out, type, dims));
  }

  /** A float32 initializer named `name` holding `data` of shape `dims`. */
  floats(name: string, dims: readonly number[], data: Float32Array): string {
    const size = dims.reduce((a, b) => a * b, 1);
    if (size !== data.length) throw new Error(`GraphBuilder ${this.name}: ${name} has ${data.length} values for shape [${dims.join(", ")}]`);
    this.initializers.push({ name: this.claim(name), dims: [...dims], data_type: DATA_TYPE.float32, raw_data: littleEndianBytes(data) });
    return name;
  }

  /** A model parameter as an initializer under its state-dict name; the same tensor again gives the same name. */
  weight(name: string, t: Tensor): string {
    const known = this.byTensor.get(t);
    if (known !== undefined) return known;
    this.byTensor.set(t, this.floats(name, t.shape, t.data));
    return name;
  }

  /** Whether `t` is stored already (a tied matrix that another layer used first). */
  holds(t: Tensor): boolean {
    return this.byTensor.has(t);
  }

  /** An int64 constant: a 1-D tensor, or a scalar (0-D) when `scalar`. Each value is stored once per graph. */
  int64(values: readonly number[], scalar = false): string {
    if (scalar && values.length !== 1) throw new Error("GraphBuilder.int64: a scalar has one value");
    const key = `i64${scalar ? "s" : ""}:${values.join(",")}`;
    const known = this.constants.get(key);
    if (known !== undefined) return known;
    const name = this.claim(`const_i64_${scalar ? "scalar_" : ""}${values.join("_").replace(/-/g, "m")}`);
    this.initializers.push({ name, dims: scalar ? [] : [values.length], data_type: DATA_TYPE.int64, raw_data: littleEndianBytes(BigInt64Array.from(values, BigInt)) });
    this.constants.set(key, name);
    return name;
  }

  /** A bool scalar (0-D) constant. */
  bool(value: boolean): string {
    const key = `bool:${value}`;
    const known = this.constants.get(key);
    if (known !== undefined) return known;
    const name = this.claim(`const_bool_${value}`);
    this.initializers.push({ name, dims: [], data_type: DATA_TYPE.bool, raw_data: Uint8Array.of(value ? 1 : 0) });
    this.constants.set(key, name);
    return name;
  }

  /** A float32 scalar (0-D) constant, stored once per graph and value. */
  float(value: number): string {
    const key = `f32:${Math.fround(value)}`;
    const known = this.constants.get(key);
    if (known !== undefined) return known;
    const name = this.claim(`const_f32_${this.constants.size}`);
    this.initializers.push({ name, dims: [], data_type: DATA_TYPE.float32, raw_data: littleEndianBytes(Float32Array.of(value)) });
    this.constants.set(key, name);
    return name;
  }

  /** One node with one output; returns the output's value name (`outName`, or a fresh scoped one). */
  node(op: string, inputs: readonly string[], attrs: Readonly<Record<string, Attribute>> = {}, outName?: string): string {
    return this.nodeN(op, inputs, 1, attrs, outName ? [outName] : undefined)[0];
  }

  /** One node with `n` outputs (Split). */
  nodeN(op: string, inputs: readonly string[], n: number, attrs: Readonly<Record<string, Attribute>> = {}, outNames?: string[]): string[] {
    const name = this.fresh(op);
    const output = outNames ? outNames.map((o) => this.claim(o)) : Array.from({ length: n }, (_, i) => (n === 1 ? name : `${name}:${i}`));
    this.nodes.push({ name, op_type: op, input: [...inputs], output, attribute: attributes(attrs) });
    return output;
  }

  /** The graph, as onnx.proto's GraphProto. */
  build(): GraphProto {
    return { name: this.name, node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs };
  }
}
