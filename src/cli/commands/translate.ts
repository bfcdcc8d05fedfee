import * as readline from "node:readline";
import { type Command, Option } from "commander";
import { OptionError } from "../../errors.js";
import { type BeamConvention, type GenerationConfig, generate, resolveGenerationConfig, stream } from "../../generate/index.js";
import type { Seq2Seq } from "../../models/index.js";
import type { TextTokenizer } from "../../tokenizer/index.js";
import { requireCommand } from "../../architectures/registry.js";
import { checkpointOrShipped, loadForInference } from "../../run/index.js";
import { integerOption, numberOption } from "../options.js";

interface TranslateFlags {
  checkpoint?: string;
  beam?: number;
  lengthPenalty?: number;
  beamConvention?: BeamConvention;
  stream?: boolean;
  json?: boolean;
  maxNewTokens?: number;
  batchSize: number;
}

/** Lines of stdin (without their line ends). */
export async function readStdinLines(): Promise<string[]> {
  const lines: string[] = [];
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of rl) lines.push(line);
  return lines;
}

/** Token ids of a source text, cut to the model's max_len with a warning on stderr. */
export function encodeSource(tokenizer: TextTokenizer, text: string, maxLen: number, where: string): number[] {
  const ids = tokenizer.encode(text);
  if (ids.length <= maxLen) return ids;
  process.stderr.write(`transformer: warning: ${where} has ${ids.length} tokens; only the first ${maxLen} (the model's max_len) are translated\n`);
  return ids.slice(0, maxLen);
}

/** A translation on one output line: line breaks the model produced become spaces. */
function oneLine(text: string): string {
  return text.replace(/\r\n|[\n\r\u2028\u2029]/g, " ");
}

export function registerTranslate(program: Command): void {
  program
    .command("translate")
    .description("translate text with a seq2seq checkpoint: one translation per line of output")
    .argument("[text...]", "text to translate, its words joined with spaces; each line is translated on its own (default: the lines of stdin)")
    .option("--checkpoint <dir>", "checkpoint folder: config.json, model.safetensors, tokenizer.json (+ tokenizer.target.json); default: the shipped English→Spanish model, models/en-es")
    .option("--beam <k>", "beam search with k beams (default: greedy search)", integerOption)
    .option("--length-penalty <alpha>", "beam search: length penalty α (default 0.6 for gnmt, 1 for huggingface)", numberOption)
    .addOption(new Option("--beam-convention <c>", "beam search: gnmt (ours: ((5+|Y|)/6)^α, ends when k have finished; the default) or huggingface (transformers' generate(): |Y|^α, its early stop)").choices(["gnmt", "huggingface"]))
    .option("--json", 'one JSON object per line: {"translation", "ids"} (the generated token ids, eos included)')
    .option("--stream", "print each translation as its tokens arrive (greedy search only)")
    .option("--max-new-tokens <n>", "most tokens to generate per sentence (default: source length + 50)", integerOption)
    .option("--batch-size <n>", "sentences translated together", integerOption, 16)
    .addHelpText("after", `
A sentence longer than the model's max_len (in tokens) is truncated to its first max_len tokens, with a
warning on stderr. Empty lines give empty lines; a line break inside a translation is printed as a space.`)
    .action(async (texts: string[], flags: TranslateFlags) => {
      if (flags.stream && flags.beam !== undefined) throw new OptionError("--stream works with greedy search only, not with --beam");
      if (flags.lengthPenalty !== undefined && flags.beam === undefined) throw new OptionError("--length-penalty applies to beam search only (add --beam K)");
      if (flags.beamConvention !== undefined && flags.beam === undefined) throw new OptionError("--beam-convention applies to beam search only (add --beam K)");
      if (flags.json && flags.stream) throw new OptionError("--json and --stream cannot be combined (--json prints whole translations)");
      if (!Number.isInteger(flags.batchSize) || flags.batchSize < 1) throw new OptionError(`--batch-size must be an integer ≥ 1, got ${flags.batchSize}`);
      const config: GenerationConfig = flags.beam !== undefined
        ? { strategy: "beam", numBeams: flags.beam, lengthPenalty: flags.lengthPenalty, beamConvention: flags.beamConvention, maxNewTokens: flags.maxNewTokens }
        : { maxNewTokens: flags.maxNewTokens };
      resolveGenerationConfig(config); // bad values fail before the checkpoint is read
      const checkpoint = checkpointOrShipped(flags.checkpoint, "translate");
      const { model, config: mc, srcTokenizer, tgtTokenizer } = loadForInference(checkpoint);
      requireCommand("translate", checkpoint, mc.architecture, "translate needs");
      const seq2seq = model as Seq2Seq;
      const lines = texts.length ? texts.join(" ").split(/\r?\n/) : await readStdinLines();
      const where = (i: number) => (texts.length ? `text line ${i + 1}` : `line ${i + 1}`);
      // an empty line stays empty (a tokenizer that appends </s>, as Marian's, would give it a token)
      const sources = lines.map((l, i) => (l.length ? encodeSource(srcTokenizer, l, mc.max_len, where(i)) : []));
      if (flags.stream) {
        for (const src of sources) {
          if (src.length) {
            for await (const piece of stream(seq2seq, [src], config, { detokenizer: tgtTokenizer })) process.stdout.write(oneLine(piece.text));
          }
          process.stdout.write("\n");
        }
        return;
      }
      for (let start = 0; start < sources.length; start += flags.batchSize) {
        const chunk = sources.slice(start, start + flags.batchSize);
        const nonEmpty = chunk.filter((s) => s.length > 0);
        const out = nonEmpty.length ? generate(seq2seq, nonEmpty, config).results : [];
        let k = 0;
        for (const s of chunk) {
          const ids = s.length ? out[k++][0].tokens : [];
          const text = ids.length ? tgtTokenizer.decode(ids, { skipSpecial: true }) : "";
          process.stdout.write((flags.json ? JSON.stringify({ translation: text, ids }) : oneLine(text)) + "\n");
        }
      }
    });
}
