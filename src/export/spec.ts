/** What an architecture's exporter hands the writer, and the ONNX versions every exported model declares. */
import type { GraphProto } from "./graph.js";

/**
 * The operator set: 17 is the first with LayerNormalization (and has Erf, Range, LessOrEqual and Where), so every
 * layer is one standard node or a few; ONNX Runtime has run it since 1.13 and onnxruntime-web runs it too.
 */
export const OPSET = 17;
/** The IR version that goes with opset 17 (ONNX 1.12). */
export const IR_VERSION = 8;

/** One .onnx file of an export: its name in the output folder and its graph. */
export interface OnnxGraphFile {
  file: string;
  graph: GraphProto;
}
