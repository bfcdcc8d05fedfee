import type { Command } from "commander";
import { OptionError } from "../../errors.js";
import { type Classification, classify, topLabels } from "../../generate/index.js";
import { requireCommand } from "../../architectures/registry.js";
import { classifyWordPiece } from "../../generate/masked-lm.js";
import type { ModelConfig } from "../../models/index.js";
import { loadForInference } from "../../run/index.js";
import { isBertFolder, loadWordPieceFolder } from "../../run/wordpiece-folder.js";
import { integerOption } from "../options.js";
import { readStdinLines } from "./translate.js";

interface ClassifyFlags {
  checkpoint: string;
  top?: number;
  json?: boolean;
  batchSize: number;
}

export function registerClassify(program: Command): void {
  program
    .command("classify")
    .description("classify texts with an encoder_only checkpoint: each text's label and its probability")
    .argument("[texts...]", "texts to classify, one per argument (default: the lines of stdin)")
    .requiredOption("--checkpoint <dir>", "checkpoint folder: config.json (with its labels), model.safetensors, tokenizer.json")
    .option("--top <k>", "the k most probable labels, best first (default: 1; with --json: every label)", integerOption)
    .option("--json", 'one JSON object per text: {"text", "label", "probabilities": {label: p}}')
    .option("--batch-size <n>", "texts run through the model together", integerOption, 32)
    .addHelpText("after", `
Prints one line per text: label and probability, tab-separated (with --top K, K such pairs). A text longer
than the model's max_len (in tokens, bos included) is cut to fit, with a warning on stderr.`)
    .action(async (args: string[], flags: ClassifyFlags) => {
      if (flags.top !== undefined && (!Number.isInteger(flags.top) || flags.top < 1)) throw new OptionError(`--top must be an integer ≥ 1, got ${flags.top}`);
      const { config, run } = classifier(flags.checkpoint);
      requireCommand("classify", flags.checkpoint, config.architecture, "classify needs");
      const texts = args.length ? args : await readStdinLines();
      const results = run(texts, { batchSize: flags.batchSize });
      results.forEach((r, i) => {
        if (r.truncatedTokens > 0) process.stderr.write(`transformer: warning: text ${i + 1} is ${r.truncatedTokens} tokens over the model's max_len ${config.max_len}; its end is not classified\n`);
        process.stdout.write(flags.json ? JSON.stringify(asJson(texts[i], r, flags.top)) + "\n" : line(r, flags.top ?? 1) + "\n");
      });
    });
}

/** The folder's config, and how it classifies: a Hugging Face BERT folder with its WordPiece tokenizer ([CLS] text [SEP]), else ours. */
function classifier(dir: string): { config: ModelConfig; run(texts: string[], opts: { batchSize: number }): Classification[] } {
  if (isBertFolder(dir)) {
    const b = loadWordPieceFolder(dir);
    return { config: b.config, run: (texts, opts) => classifyWordPiece(b.model, b.tokenizer, texts, opts) };
  }
  const p = loadForInference(dir);
  return { config: p.config, run: (texts, opts) => classify(p.model, p.srcTokenizer, texts, opts) };
}

function line(r: Classification, k: number): string {
  return topLabels(r, k).map((p) => `${p.label}\t${p.probability.toFixed(4)}`).join("\t");
}

function asJson(text: string, r: Classification, k: number | undefined): object {
  const shown = k === undefined ? r.probabilities : topLabels(r, k);
  return { text, label: r.label, probabilities: Object.fromEntries(shown.map((p) => [p.label, p.probability])) };
}
