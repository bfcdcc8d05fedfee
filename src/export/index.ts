/** Export to ONNX (Node): the graphs of our models in standard operators, written with ONNX's own schema. */
export { exportOnnx, onnxGraphs, GENERATION_CONFIG_FILE, type OnnxExportOptions } from "./export.js";
export { DECODER_MERGED_FILE, ENCODER_FILE, ONNX_SUBFOLDER, USE_CACHE_BRANCH } from "./seq2seq.js";
export { OUR_CONFIG_FILE } from "./transformersjs.js";
export { type TransformersJsFiles, isMarianFolder, marianTransformersJsFiles } from "./marian-folder.js";
export { mergeGraphs } from "./merge.js";
export { checkExportable, EXPORTED_ARCHITECTURE_KEYS, EXPORTED_COMMON_KEYS } from "./supported.js";
export { OPSET, IR_VERSION, type OnnxGraphFile } from "./spec.js";
export { writeModelFile, modelProtoType, INLINE_LIMIT_BYTES, type ModelFileOptions } from "./writer.js";
export { GraphBuilder, type GraphProto } from "./graph.js";
export {
  ortGreedySeq2Seq, ortGreedyDecoderOnly, type OrtGreedyOptions, type OrtGreedyResult, type OrtSeq2SeqSessions, type OrtSession, type OrtTensor,
  type OrtTensorConstructor,
} from "./ort-greedy.js";
export { exportHuggingFace, huggingFaceWriter, TOKENIZER_CONFIG_FILE, type HuggingFaceExportOptions } from "./hf.js";
export { ortBeamSeq2Seq } from "./ort-beam.js";
export { type OrtRuntime, type OrtStepper, ortSeq2SeqStepper } from "./ort-stepper.js";
