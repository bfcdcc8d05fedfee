import * as fs from "node:fs";
import * as path from "node:path";
import type { Command } from "commander";
import { OptionError } from "../../errors.js";
import { OPSET, exportHuggingFace, exportOnnx, isMarianFolder, marianTransformersJsFiles } from "../../export/index.js";
import { type InferenceParts, TOKENIZER_FILE, bpeTokenizer, checkpointOrShipped, loadForInference, tempDirName } from "../../run/index.js";
import { type KeptKind, keptKind, readKeptFiles } from "../../run/kept-tokenizer.js";
import { loadModel } from "../../run/load.js";

interface ExportFlags {
  format: string;
  out: string;
  checkpoint?: string;
  externalData?: boolean;
}

/** Refuses an --out that exists and is not an empty folder: an export never replaces or mixes with what is there. */
function checkOut(dir: string): void {
  if (!fs.existsSync(dir)) return;
  if (!fs.statSync(dir).isDirectory()) throw new OptionError("out", `${dir}: exists and is not a folder`);
  const held = fs.readdirSync(dir);
  if (held.length > 0) throw new OptionError("out", `${dir}: holds ${held[0]}; export to a new or empty folder`);
}

function size(bytes: number): string {
  return bytes < 2 ** 20 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/** The checkpoint with its tokenizers, or without them (an `init` checkpoint has none: said on stderr). */
function loadParts(dir: string, kept: KeptKind | null): Pick<InferenceParts, "model"> & Partial<InferenceParts> {
  if (kept !== null || fs.existsSync(path.join(dir, TOKENIZER_FILE))) return loadForInference(dir);
  process.stderr.write(`transformer: warning: ${path.join(dir, TOKENIZER_FILE)} is missing; the export has no tokenizer\n`);
  return loadModel(dir);
}

export function registerExport(program: Command): void {
  program
    .command("export")
    .description(`export a checkpoint for other runtimes: ONNX (opset ${OPSET}) models with a KV cache, or a Hugging Face transformers folder; with config.json, generation_config.json and the tokenizer(s)`)
    .requiredOption("--format <format>", "what to write: onnx, or hf (a transformers folder: GPT-2, BERT or Marian for a decoder_only, encoder_only or seq2seq model of its shape)")
    .requiredOption("--out <dir>", "folder to write (new or empty)")
    .option("--checkpoint <dir>", "checkpoint folder: config.json, model.safetensors, tokenizer.json (+ tokenizer.target.json); default: the shipped English→Spanish model, models/en-es")
    .option("--external-data", "keep each model's weights in <model>.onnx_data beside it (done anyway for weights near protobuf's 2 GiB limit)")
    .addHelpText("after", `
Files: seq2seq onnx/encoder_model.onnx and onnx/decoder_model_merged.onnx (use_cache_branch: first step, or later
steps over past_key_values.*), with transformers.js's config.json and tokenizer_config.json, ours as
transformer_config.json (transformers.js loads the folder as it is); decoder_only model.onnx (past_key_values.* in, present.* out); encoder_only model.onnx
(logits, pooler_output, last_hidden_state). Input and output names are Hugging Face optimum's; README.md, "Export
to ONNX", lists them. A config option the export does not write is refused in one line naming the config key.
--format hf: config.json, generation_config.json, model.safetensors (transformers' tensor names and layouts),
tokenizer.json and tokenizer_config.json (a BERT's or Marian's tokenizer files as its folder had them), which
from_pretrained loads.`)
    .action((flags: ExportFlags) => {
      if (flags.format !== "onnx" && flags.format !== "hf") throw new OptionError("format", `must be onnx or hf, got "${flags.format}"`);
      if (flags.format === "hf" && flags.externalData) throw new OptionError("externalData", "applies to --format onnx only");
      checkOut(flags.out); // before any work
      const dir = checkpointOrShipped(flags.checkpoint, "export");
      // a Marian or BERT folder's tokenizer files (or a run's, kept from one) go into a transformers folder as they are
      const kept = flags.format === "hf" ? keptKind(dir) : null;
      const keptFiles = kept !== null ? readKeptFiles(dir, kept) : undefined;
      const parts = loadParts(dir, kept);
      // a Marian folder's own config and tokenizer go to transformers.js (its SentencePiece models are not tokenizer.json's)
      const marian = flags.format === "onnx" && isMarianFolder(dir) ? marianTransformersJsFiles(dir) : undefined;
      const ownTokenizer = !keptFiles && !marian;
      const tokenizer = ownTokenizer && parts.srcTokenizer ? bpeTokenizer(parts.srcTokenizer, "export") : undefined;
      const target = ownTokenizer && parts.tgtTokenizer && parts.tgtTokenizer !== parts.srcTokenizer ? bpeTokenizer(parts.tgtTokenizer, "export") : undefined;
      // written beside --out under a temporary name and renamed into place: --out holds the whole export or nothing
      const tmp = path.join(path.dirname(flags.out), tempDirName(path.basename(flags.out), "tmp", process.pid));
      fs.rmSync(tmp, { recursive: true, force: true });
      let files: string[];
      try {
        files = flags.format === "hf"
          ? exportHuggingFace(parts.model, tmp, { tokenizer, targetTokenizer: target, keptFiles, addBos: parts.addBos })
          : exportOnnx(parts.model, tmp, { tokenizer, targetTokenizer: target, externalData: flags.externalData ? true : "auto", transformersJs: marian });
        if (fs.existsSync(flags.out)) fs.rmdirSync(flags.out); // empty, checked above
        fs.renameSync(tmp, flags.out);
      } catch (e) {
        fs.rmSync(tmp, { recursive: true, force: true });
        throw e;
      }
      for (const f of files) {
        const file = path.join(flags.out, path.relative(tmp, f));
        process.stdout.write(`${file}\t${size(fs.statSync(file).size)}\n`);
      }
      process.stdout.write(`exported ${parts.model.config.architecture} to ${flags.out} (${flags.format === "hf" ? "Hugging Face transformers" : `ONNX opset ${OPSET}`})\n`);
    });
}
