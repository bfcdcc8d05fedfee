import * as fs from "node:fs";
import type { Command } from "commander";
import { OptionError } from "../../errors.js";
import { type Explanation, explainSeq2Seq, explanationHtml, explanationJson, tokenLabel } from "../../inspect/index.js";
import type { Seq2Seq } from "../../models/index.js";
import { checkpointOrShipped, loadForInference } from "../../run/index.js";
import { integerOption, numberOption } from "../options.js";
import { encodeSource } from "./translate.js";

interface ExplainFlags {
  checkpoint?: string;
  json?: boolean;
  out?: string;
  layer?: number;
  head?: number;
  token?: number;
  temperature?: number;
  target?: string;
  beam?: number;
  decoderStep?: number;
}

/** A few lines for the terminal: what the walk found. */
function summary(e: Explanation): string {
  const lines = [`source: ${e.source.tokens.join(" ")} (${e.source.ids.length} tokens)`];
  if (e.translation) lines.push(`greedy: ${e.translation.tokens.join(" ")} (following decoder position ${e.translation.decoderStep})`);
  for (const s of e.steps) {
    const top = s.prediction.top.slice(0, 3).map((t) => `${t.token} ${t.prob.toFixed(3)}`).join(", ");
    lines.push(`step ${s.step}: after ${s.input.tokens.join(" ")} → ${s.prediction.chosen.token} (top: ${top})`);
  }
  if (e.beam) {
    const best = e.beam.finished[0];
    if (best) lines.push(`beam ${e.beam.numBeams}, ${e.beam.steps} step${e.beam.steps === 1 ? "" : "s"}: best ${best.tokens.join(" ")} (score ${best.score?.toFixed(3)})`);
  }
  return lines.join("\n") + "\n";
}

export function registerExplain(program: Command): void {
  program
    .command("explain")
    .description("walk one sentence through a seq2seq model: the numbers of every step of one real forward pass, as JSON or a self-contained HTML page")
    .argument("<text...>", "the source sentence")
    .option("--checkpoint <dir>", "seq2seq checkpoint folder: config.json, model.safetensors, tokenizer.json (+ tokenizer.target.json); default: the shipped English→Spanish model, models/en-es")
    .option("--json", "print the whole record (every layer and head, both decoding steps, the beam-search aside) as JSON")
    .option("--out <walk.html>", "write the walk as one HTML file with no external assets (←/→ move between steps)")
    .option("--layer <L>", "the layer the page looks at closely, in the encoder and the decoder (default 0)", integerOption)
    .option("--head <H>", "the attention head the page looks at closely (default 0)", integerOption)
    .option("--token <I>", "the source token (position, from 0) the page follows through the encoder (default 0)", integerOption)
    .option("--temperature <T>", "softmax temperature shown beside τ = 1 (default 1)", numberOption)
    .option("--target <text>", "a target prefix the decoder reads after its start token (default: the start token alone)")
    .option("--decoder-step <N>", "follow decoder position N of the model's greedy translation: the decoder reads its start token and the first N tokens it chose (0.., not with --target)", integerOption)
    .option("--beam <k>", "beams of the beam-search aside (default 4; 0 leaves it out)", integerOption)
    .addHelpText("after", `
The encoder reads TEXT; the decoder reads its start token (and --target, or the first N tokens of its greedy
translation with --decoder-step N), predicts a token, and is fed it for a second step over its KV cache. Every number is recorded during that forward pass. Without --json or --out, a
short summary is printed. --json numbers have 9 significant digits (each float32 exactly).`)
    .action((words: string[], flags: ExplainFlags) => {
      const text = words.join(" ");
      const checkpoint = checkpointOrShipped(flags.checkpoint, "explain");
      const { model, config, srcTokenizer, tgtTokenizer } = loadForInference(checkpoint);
      if (config.architecture !== "seq2seq") throw new OptionError(`${checkpoint} holds a ${config.architecture} model; explain walks seq2seq checkpoints`);
      const source = encodeSource(srcTokenizer, text, config.max_len, "the text");
      if (source.length === 0) throw new OptionError("the text is empty");
      if (flags.target !== undefined && flags.decoderStep !== undefined) throw new OptionError("--target and --decoder-step both set the decoder's input: give one");
      const prefix = flags.decoderStep !== undefined ? undefined : [config.bos_id, ...(flags.target !== undefined ? tgtTokenizer.encode(flags.target) : [])];
      const e = explainSeq2Seq(model as Seq2Seq, source, {
        prefix, decoderStep: flags.decoderStep, temperature: flags.temperature, numBeams: flags.beam, layer: flags.layer, head: flags.head, token: flags.token,
        sourceLabel: tokenLabel(srcTokenizer), targetLabel: tokenLabel(tgtTokenizer),
      });
      if (flags.out !== undefined) {
        try {
          fs.writeFileSync(flags.out, explanationHtml(e, { text }));
        } catch (err) {
          throw new OptionError(`--out ${flags.out}: cannot write (${(err as Error).message.split("\n")[0]})`);
        }
      }
      if (flags.json) process.stdout.write(explanationJson(e) + "\n");
      else process.stdout.write(summary(e));
      if (flags.out !== undefined) (flags.json ? process.stderr : process.stdout).write(`wrote ${flags.out}\n`);
    });
}
