import * as fs from "node:fs";
import type { Command } from "commander";
import { OptionError } from "../../errors.js";
import { generate } from "../../generate/index.js";
import { attentionSvg, inspectDecoderOnly, inspectSeq2Seq, tokenLabel } from "../../inspect/index.js";
import type { DecoderOnly, Seq2Seq } from "../../models/index.js";
import { checkpointOrShipped, loadForInference, promptIds } from "../../run/index.js";
import { inspectWordPiece } from "../../generate/masked-lm.js";
import { isBertFolder, loadWordPieceFolder } from "../../run/wordpiece-folder.js";
import { integerOption } from "../options.js";
import { encodeSource } from "./translate.js";

interface AttentionFlags {
  checkpoint?: string;
  out: string;
  allLayers?: boolean;
  maxNewTokens?: number;
}

export function registerAttention(program: Command): void {
  program
    .command("attention")
    .description("draw what the model attends to for TEXT as SVG heatmaps, labelled with the tokens on both axes")
    .argument("<text...>", "the source sentence (seq2seq) or prompt (decoder_only)")
    .option("--checkpoint <dir>", "checkpoint folder: config.json, model.safetensors, tokenizer.json (+ tokenizer.target.json); default: the shipped English→Spanish model, models/en-es")
    .requiredOption("--out <file.svg>", "SVG file to write")
    .option("--all-layers", "every layer and head: encoder self-attention, decoder masked self-attention and cross-attention")
    .option("--max-new-tokens <n>", "most tokens to generate (default: seq2seq source length + 50, decoder_only 20)", integerOption)
    .addHelpText("after", `
seq2seq: TEXT is translated greedily, then the decoder reads <s> and the translation; by default the figure
shows the last layer's cross-attention, one map per head plus their mean (rows: decoder input tokens,
columns: source tokens). decoder_only: the prompt is continued greedily and the figure shows masked
self-attention over prompt and continuation. A source longer than max_len is truncated with a warning.`)
    .action((words: string[], flags: AttentionFlags) => {
      if (flags.maxNewTokens !== undefined && flags.maxNewTokens < 1) throw new OptionError(`--max-new-tokens must be at least 1, got ${flags.maxNewTokens}`);
      const text = words.join(" ");
      const checkpoint = checkpointOrShipped(flags.checkpoint, "attention");
      if (isBertFolder(checkpoint)) return writeSvg(flags.out, bertAttention(checkpoint, text, flags.allLayers), text);
      const parts = loadForInference(checkpoint);
      const { model, config, srcTokenizer, tgtTokenizer } = parts;
      let svg: string;
      let summary: string;
      if (config.architecture === "seq2seq") {
        const src = encodeSource(srcTokenizer, text, config.max_len, "the text");
        if (src.length === 0) throw new OptionError("the text is empty");
        const out = generate(model as Seq2Seq, [src], { maxNewTokens: flags.maxNewTokens }).results[0][0].tokens;
        const body = out.at(-1) === config.eos_id ? out.slice(0, -1) : out;
        const target = [config.bos_id, ...body].slice(0, config.max_len);
        const ins = inspectSeq2Seq(model as Seq2Seq, src, target, { sourceLabel: tokenLabel(srcTokenizer), targetLabel: tokenLabel(tgtTokenizer) });
        summary = tgtTokenizer.decode(out, { skipSpecial: true });
        svg = attentionSvg(ins, { allLayers: flags.allLayers, title: `attention for "${text}" → "${summary}"` });
      } else if (config.architecture === "decoder_only") {
        let prompt = promptIds(parts, text);
        if (prompt.length > config.max_len) {
          process.stderr.write(`transformer: warning: the prompt has ${prompt.length} tokens; only its last ${config.max_len} are used\n`);
          prompt = prompt.slice(prompt.length - config.max_len);
        }
        const room = config.max_len - prompt.length;
        const cont = room > 0 ? generate(model as DecoderOnly, [prompt], { maxNewTokens: Math.min(flags.maxNewTokens ?? 20, room) }).results[0][0].tokens : [];
        const ins = inspectDecoderOnly(model as DecoderOnly, [...prompt, ...cont], { targetLabel: tokenLabel(srcTokenizer) });
        summary = srcTokenizer.decode(cont, { skipSpecial: true });
        svg = attentionSvg(ins, { allLayers: flags.allLayers, title: `attention for "${text}" + "${summary}"` });
      } else {
        throw new OptionError(`${checkpoint} holds an encoder_only model; attention draws seq2seq and decoder_only checkpoints`);
      }
      writeSvg(flags.out, svg, summary);
    });
}

function writeSvg(out: string, svg: string, summary: string): void {
  try {
    fs.writeFileSync(out, svg);
  } catch (e) {
    throw new OptionError(`--out ${out}: cannot write (${(e as Error).message.split("\n")[0]})`);
  }
  process.stdout.write(`${summary}\nwrote ${out}\n`);
}

/** A Hugging Face BERT folder: its encoder's self-attention over [CLS] text [SEP] (the last layer's, or every layer's). */
function bertAttention(dir: string, text: string, allLayers?: boolean): string {
  const { model, config, tokenizer } = loadWordPieceFolder(dir);
  const { inspection, truncatedTokens } = inspectWordPiece(model, tokenizer, text);
  if (truncatedTokens > 0) process.stderr.write(`transformer: warning: the text is ${truncatedTokens} tokens over the model's max_len ${config.max_len}; its end is cut\n`);
  return attentionSvg(inspection, { allLayers, title: `self-attention for "${text}"` });
}
