/**
 * Exports a model to a folder of ONNX files (opset 17) with what a runtime needs beside them: our config,
 * generation_config.json (Hugging Face's names for the special ids and the length limit) and the tokenizer(s).
 * The files per architecture: seq2seq onnx/encoder_model.onnx and onnx/decoder_model_merged.onnx, with
 * transformers.js's config.json and tokenizer_config.json and ours as transformer_config.json (a folder
 * transformers.js loads as it is: transformersjs.ts); decoder_only and encoder_only model.onnx with our
 * config.json. README.md ("Export to ONNX") lists their inputs and outputs.
 */
import * as path from "node:path";
import { ExportError } from "../errors.js";
import { fsCall } from "../io/fs-error.js";
import { writeFileAtomic } from "../io/atomic-write.js";
import { makeFolder } from "../io/make-folder.js";
import type { Architecture, DecoderOnly, EncoderOnly, Model, ModelConfig, Seq2Seq } from "../models/index.js";
import { importHuggingFace } from "../models/huggingface.js";
import { CONFIG_FILE, TARGET_TOKENIZER_FILE, TOKENIZER_FILE } from "../run/format.js";
import type { Tokenizer } from "../tokenizer/index.js";
import { saveTokenizer } from "../tokenizer/file.js";
import { decoderOnlyGraphs } from "./decoder-only.js";
import type { TransformersJsFiles } from "./marian-folder.js";
import { encoderOnlyGraphs } from "./encoder-only.js";
import { seq2seqGraphs } from "./seq2seq.js";
import { OPSET, type OnnxGraphFile } from "./spec.js";
import { checkExportable } from "./supported.js";
import { OUR_CONFIG_FILE, transformersJsConfig, transformersJsTokenizerConfig } from "./transformersjs.js";
import { writeModelFile } from "./writer.js";

export const GENERATION_CONFIG_FILE = "generation_config.json";
export const TOKENIZER_CONFIG_FILE = "tokenizer_config.json";

/** Each architecture's graphs (the compiler asks for one per registered architecture). */
const GRAPHS: Record<Architecture, (model: Model) => OnnxGraphFile[]> = {
  seq2seq: (m) => seq2seqGraphs(m as Seq2Seq),
  decoder_only: (m) => decoderOnlyGraphs(m as DecoderOnly),
  encoder_only: (m) => encoderOnlyGraphs(m as EncoderOnly),
};

/** The ONNX graphs of a model, after checking that the export honours every key of its config. */
export function onnxGraphs(model: Model): OnnxGraphFile[] {
  checkExportable(model.config);
  return GRAPHS[model.config.architecture](model);
}

export interface OnnxExportOptions {
  /** The input text's tokenizer, written as tokenizer.json. */
  tokenizer?: Tokenizer;
  /** A seq2seq model's separate target tokenizer, written as tokenizer.target.json. */
  targetTokenizer?: Tokenizer;
  /** Weights in `<model>.onnx_data` files: always (true), never (false), or only near protobuf's 2 GiB limit ("auto"). */
  externalData?: boolean | "auto";
  /**
   * A seq2seq model loaded from a Hugging Face Marian folder: that folder's transformers config, tokenizer.json and
   * tokenizer_config.json (marianTransformersJsFiles) for transformers.js, in place of the ones made from our config.
   */
  transformersJs?: TransformersJsFiles;
}

/** Refuses transformers' files whose config is not the model's (read as we read it, every key the same). */
function checkTransformersJs(files: TransformersJsFiles, config: ModelConfig): void {
  const theirs = importHuggingFace(files.config, "transformersJs.config").config as unknown as Record<string, unknown>;
  const ours = config as unknown as Record<string, unknown>;
  for (const key of new Set([...Object.keys(theirs), ...Object.keys(ours)])) {
    if (JSON.stringify(theirs[key]) !== JSON.stringify(ours[key])) {
      throw new ExportError(`export --format onnx: the Hugging Face config given for transformers.js is not this model's ("${key}": ${JSON.stringify(theirs[key])} there, ${JSON.stringify(ours[key])} here)`);
    }
  }
}

/** Hugging Face's generation_config.json keys for our special ids and max_len (decoders only). */
function generationConfig(model: Model): Record<string, number> | null {
  const c = model.config;
  if (c.architecture === "encoder_only") return null;
  const ids = { bos_token_id: c.bos_id, eos_token_id: c.eos_id, pad_token_id: c.pad_id };
  return c.architecture === "seq2seq" ? { ...ids, decoder_start_token_id: c.bos_id, max_length: c.max_len } : { ...ids, max_length: c.max_len };
}

/** Writes the export into `dir` (created when missing); returns the paths written, in order. */
export function exportOnnx(model: Model, dir: string, opts: OnnxExportOptions = {}): string[] {
  const graphs = onnxGraphs(model); // refuses an option it does not export before anything is written
  const seq2seq = model.config.architecture === "seq2seq" ? model.config : null;
  if (opts.transformersJs) {
    if (!seq2seq) throw new ExportError(`export --format onnx: transformers.js's files are written for seq2seq only, not ${model.config.architecture}`);
    checkTransformersJs(opts.transformersJs, model.config);
  }
  makeFolder(dir);
  const written: string[] = [];
  const metadata = { architecture: model.config.architecture, config: JSON.stringify(model.config), opset: String(OPSET) };
  for (const { file, graph } of graphs) {
    makeFolder(path.dirname(path.join(dir, file)));
    written.push(...writeModelFile(path.join(dir, file), graph, { externalData: opts.externalData, metadata }));
  }
  const json = (name: string, value: unknown): void => {
    const file = path.join(dir, name);
    fsCall(file, "write", () => writeFileAtomic(file, JSON.stringify(value, null, 2) + "\n"));
    written.push(file);
  };
  json(seq2seq ? OUR_CONFIG_FILE : CONFIG_FILE, model.config);
  if (seq2seq) json(CONFIG_FILE, opts.transformersJs?.config ?? transformersJsConfig(seq2seq));
  const generation = generationConfig(model);
  if (generation) json(GENERATION_CONFIG_FILE, generation);
  if (opts.transformersJs) {
    json(TOKENIZER_FILE, opts.transformersJs.tokenizer);
    json(TOKENIZER_CONFIG_FILE, opts.transformersJs.tokenizerConfig);
  } else if (opts.tokenizer) {
    saveTokenizer(opts.tokenizer, path.join(dir, TOKENIZER_FILE));
    written.push(path.join(dir, TOKENIZER_FILE));
    if (seq2seq) json(TOKENIZER_CONFIG_FILE, transformersJsTokenizerConfig(opts.tokenizer, seq2seq));
  }
  if (opts.targetTokenizer && opts.targetTokenizer !== opts.tokenizer) {
    saveTokenizer(opts.targetTokenizer, path.join(dir, TARGET_TOKENIZER_FILE));
    written.push(path.join(dir, TARGET_TOKENIZER_FILE));
  }
  return written;
}
