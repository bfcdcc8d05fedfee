import type { Command } from "commander";
import { OptionError } from "../../errors.js";
import { fillMask } from "../../generate/masked-lm.js";
import { isBertFolder, loadWordPieceFolder } from "../../run/wordpiece-folder.js";
import { integerOption } from "../options.js";
import { readStdinLines } from "./translate.js";

interface FillMaskFlags {
  checkpoint: string;
  top: number;
  json?: boolean;
}

export function registerFillMask(program: Command): void {
  program
    .command("fill-mask")
    .description("the most probable tokens at each [MASK] of a text, with a Hugging Face BERT masked-LM folder (BertForMaskedLM)")
    .argument("[texts...]", 'texts with [MASK] where a word is to be predicted, one per argument (default: the lines of stdin)')
    .requiredOption("--checkpoint <dir>", "a Hugging Face BERT folder: config.json, model.safetensors, tokenizer.json")
    .option("--top <k>", "how many tokens per mask, best first", integerOption, 5)
    .option("--json", 'one JSON object per text: {"text", "masks": [[{"id", "token", "score", "sequence"}, ...] per mask]}')
    .addHelpText("after", `
Prints, for each [MASK] of each text, one line of its top tokens and their probabilities (token, tab, probability,
tab-separated), as transformers' pipeline("fill-mask") ranks them. A text longer than the model's max_len is cut to
fit, with a warning on stderr.`)
    .action(async (args: string[], flags: FillMaskFlags) => {
      if (!Number.isInteger(flags.top) || flags.top < 1) throw new OptionError(`--top must be an integer ≥ 1, got ${flags.top}`);
      if (!isBertFolder(flags.checkpoint)) throw new OptionError(`${flags.checkpoint} is not a Hugging Face BERT folder (config.json with "model_type": "bert"); fill-mask needs a BertForMaskedLM`);
      const { model, config, tokenizer, maskToken } = loadWordPieceFolder(flags.checkpoint);
      const texts = args.length ? args : await readStdinLines();
      texts.forEach((text, i) => {
        const r = fillMask(model, tokenizer, text, { topK: flags.top, maskToken });
        if (r.truncatedTokens > 0) process.stderr.write(`transformer: warning: text ${i + 1} is ${r.truncatedTokens} tokens over the model's max_len ${config.max_len}; its end is not read\n`);
        if (flags.json) process.stdout.write(JSON.stringify({ text, masks: r.masks }) + "\n");
        else for (const fills of r.masks) process.stdout.write(fills.map((f) => `${f.token}\t${f.score.toFixed(4)}`).join("\t") + "\n");
      });
    });
}
