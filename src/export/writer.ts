/**
 * Writes an ONNX model file: a ModelProto encoded by protobuf.js against ONNX's own schema (onnx.proto, vendored
 * beside this file from github.com/onnx/onnx, Apache-2.0), so that field numbers and types are ONNX's, not ours.
 *
 * A protobuf message cannot pass 2 GiB, so a model whose weights come near that keeps them in a second file,
 * `<model>.onnx_data` (ONNX's external data: each large initializer names the file, its offset and length),
 * which ONNX Runtime reads when the model is loaded from its path. `externalData: true` forces that layout.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";
import { writeFileAtomic } from "../io/atomic-write.js";
import type { GraphProto, TensorProto } from "./graph.js";
import { IR_VERSION, OPSET } from "./spec.js";

const SCHEMA_FILE = "onnx.proto";
/** Initializers this large go to the external data file when there is one (ONNX's own default threshold). */
const EXTERNAL_MIN_BYTES = 1024;
/** Above this many initializer bytes, `externalData: "auto"` keeps them outside (2 GiB less room for the graph). */
export const INLINE_LIMIT_BYTES = 2 ** 31 - 2 ** 26;
/** Offsets in the data file are multiples of this, so that a runtime may map tensors from it. */
const ALIGN = 4096;

let modelProto: protobuf.Type | undefined;

/** onnx.proto beside this module's source: src/export/ from src/export/ or from dist/src/export/. */
function schemaPath(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (let dir = here; ; dir = path.dirname(dir)) {
    for (const candidate of [path.join(dir, SCHEMA_FILE), path.join(dir, "src", "export", SCHEMA_FILE)]) {
      if (fs.existsSync(candidate)) return candidate;
    }
    if (path.dirname(dir) === dir) throw new Error(`writer.ts: ${SCHEMA_FILE} not found above ${here}`);
  }
}

/** The onnx.ModelProto message type, parsed once from onnx.proto (field names as the schema spells them). */
export function modelProtoType(): protobuf.Type {
  modelProto ??= protobuf.parse(fs.readFileSync(schemaPath(), "utf8"), { keepCase: true }).root.lookupType("onnx.ModelProto");
  return modelProto;
}

export interface ModelFileOptions {
  /** Keep weights in `<file>_data` (true), inline (false), or inline unless they come near 2 GiB ("auto", the default). */
  externalData?: boolean | "auto";
  /** ModelProto.metadata_props. */
  metadata?: Record<string, string>;
  producerVersion?: string;
}

/** An initializer moved to the data file: raw_data dropped, its place recorded (onnx.proto's external_data keys). */
function external(t: TensorProto, location: string, offset: number): object {
  const { raw_data, ...rest } = t;
  return {
    ...rest,
    data_location: 1, // TensorProto.DataLocation.EXTERNAL
    external_data: [
      { key: "location", value: location },
      { key: "offset", value: String(offset) },
      { key: "length", value: String(raw_data.byteLength) },
    ],
  };
}

/** Writes `graph` as the ONNX model `file` (and its data file when kept outside); returns the files written. */
export function writeModelFile(file: string, graph: GraphProto, opts: ModelFileOptions = {}): string[] {
  const bytes = graph.initializer.reduce((s, t) => s + t.raw_data.byteLength, 0);
  const outside = opts.externalData === true || ((opts.externalData ?? "auto") === "auto" && bytes > INLINE_LIMIT_BYTES);
  const written: string[] = [];
  let initializer: object[] = graph.initializer;
  if (outside) {
    const dataFile = `${file}_data`;
    const location = path.basename(dataFile);
    const pieces: Uint8Array[] = [];
    let offset = 0;
    initializer = graph.initializer.map((t) => {
      if (t.raw_data.byteLength < EXTERNAL_MIN_BYTES) return t;
      const pad = (ALIGN - (offset % ALIGN)) % ALIGN;
      if (pad) pieces.push(new Uint8Array(pad));
      offset += pad;
      pieces.push(t.raw_data);
      const moved = external(t, location, offset);
      offset += t.raw_data.byteLength;
      return moved;
    });
    writeFileAtomic(dataFile, pieces);
    written.push(dataFile);
  }
  const Model = modelProtoType();
  const message = Model.fromObject({
    ir_version: IR_VERSION,
    opset_import: [{ domain: "", version: OPSET }],
    producer_name: "transformer",
    producer_version: opts.producerVersion ?? "",
    graph: { ...graph, initializer },
    metadata_props: Object.entries(opts.metadata ?? {}).map(([key, value]) => ({ key, value })),
  });
  writeFileAtomic(file, Model.encode(message).finish());
  written.unshift(file);
  return written;
}
