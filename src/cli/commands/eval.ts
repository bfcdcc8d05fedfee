import * as fs from "node:fs";
import { type Command, Option } from "commander";
import { readTsv } from "../../data/index.js";
import { OptionError } from "../../errors.js";
import { corpusBleu, corpusChrf } from "../../eval/index.js";
import { type GenerationConfig, translateCorpus } from "../../generate/index.js";
import type { Seq2Seq } from "../../models/index.js";
import { loadDataset } from "../../architectures/registry.js";
import { evaluate } from "../../eval/index.js";
import { loadForInference } from "../../run/index.js";
import { integerOption, numberOption } from "../options.js";

interface EvalFlags {
  checkpoint: string;
  data: string;
  beam?: number;
  lengthPenalty?: number;
  json?: boolean;
  srcCol: string;
  tgtCol: string;
  textCol: string;
  labelCol: string;
  limit?: number;
  batchSize: number;
  onBadRow: "stop" | "skip";
  hypotheses?: string;
  maxSrcTokens?: number;
}

export function registerEval(program: Command): void {
  program
    .command("eval")
    .description("score a checkpoint on held-out data: BLEU and chrF (sacreBLEU 13a) for seq2seq, perplexity for decoder_only, accuracy for encoder_only")
    .requiredOption("--checkpoint <dir>", "checkpoint folder")
    .requiredOption("--data <file>", "TSV with a header row (seq2seq, encoder_only) or text lines (decoder_only); .gz is fine")
    .option("--beam <k>", "beam search with k beams (default: greedy)", integerOption)
    .option("--length-penalty <alpha>", "beam search: GNMT length penalty α (default 0.6)", numberOption)
    .option("--json", "print the scores as JSON")
    .option("--src-col <name>", "source column", "english")
    .option("--tgt-col <name>", "reference column", "spanish")
    .option("--text-col <name>", "text column (encoder_only)", "text")
    .option("--label-col <name>", "label column (encoder_only)", "label")
    .option("--limit <n>", "only the first n rows (after --max-src-tokens)", integerOption)
    .option("--max-src-tokens <n>", "only rows whose source has at most n tokens (the number kept is reported)", integerOption)
    .option("--batch-size <n>", "sentences decoded together", integerOption, 16)
    .addOption(new Option("--on-bad-row <what>", "a malformed row stops, or is skipped and counted").choices(["stop", "skip"]).default("stop"))
    .option("--hypotheses <file>", "also write the translations, one per line")
    .action((flags: EvalFlags) => {
      if (flags.beam !== undefined && flags.beam < 1) throw new OptionError(`--beam must be at least 1, got ${flags.beam}`);
      if (flags.lengthPenalty !== undefined && flags.beam === undefined) throw new OptionError("--length-penalty applies to beam search only (add --beam K)");
      if (flags.limit !== undefined && flags.limit < 1) throw new OptionError(`--limit must be at least 1, got ${flags.limit}`);
      if (!fs.existsSync(flags.data)) throw new OptionError(`--data ${flags.data}: file not found`);
      const { model, config, srcTokenizer, tgtTokenizer } = loadForInference(flags.checkpoint);
      const print = (scores: Record<string, number>, text: string) =>
        process.stdout.write(flags.json ? JSON.stringify(scores) + "\n" : text + "\n");
      if (config.architecture !== "seq2seq") {
        if (flags.beam !== undefined || flags.hypotheses) throw new OptionError(`--beam and --hypotheses apply to seq2seq checkpoints; ${flags.checkpoint} is ${config.architecture}`);
        const data = loadDataset({
          arch: config.architecture, file: flags.data, srcTokenizer, tgtTokenizer, maxLen: config.max_len,
          special: { pad: config.pad_id, bos: config.bos_id, eos: config.eos_id }, srcCol: flags.srcCol, tgtCol: flags.tgtCol,
          textCol: flags.textCol, labelCol: flags.labelCol, onBadRow: flags.onBadRow,
          labels: config.architecture === "encoder_only" ? (config as { labels?: string[] }).labels : undefined,
        });
        const r = evaluate(model, data, 4096, 0);
        if (config.architecture === "encoder_only") print({ accuracy: r.accuracy!, loss: r.loss, examples: data.size }, `accuracy ${(100 * r.accuracy!).toFixed(2)}%  loss ${r.loss.toFixed(3)}  examples ${data.size}`);
        else print({ loss: r.loss, perplexity: Math.exp(r.loss), windows: data.size }, `loss ${r.loss.toFixed(3)} nats/token  perplexity ${Math.exp(r.loss).toFixed(2)}  windows ${data.size}`);
        return;
      }
      const table = readTsv(flags.data, { columns: [flags.srcCol, flags.tgtCol], onBadRow: flags.onBadRow });
      let rows = table.rows;
      if (flags.maxSrcTokens !== undefined) {
        rows = rows.filter((r) => srcTokenizer.encode(r[0]).length <= flags.maxSrcTokens!);
        process.stderr.write(`scoring the ${rows.length} of ${table.rows.length} rows whose source has at most ${flags.maxSrcTokens} tokens\n`);
      }
      if (flags.limit !== undefined) rows = rows.slice(0, flags.limit);
      let truncated = 0;
      const sources = rows.map((r) => {
        const ids = srcTokenizer.encode(r[0]);
        if (ids.length <= config.max_len) return ids;
        truncated++;
        return ids.slice(0, config.max_len);
      });
      if (truncated) process.stderr.write(`transformer: warning: ${truncated} of ${rows.length} sources are longer than the model's max_len ${config.max_len} tokens; only their first ${config.max_len} tokens are translated\n`);
      const gen: GenerationConfig = flags.beam !== undefined ? { strategy: "beam", numBeams: flags.beam, lengthPenalty: flags.lengthPenalty } : {};
      const t0 = Date.now();
      const hyps = translateCorpus(model as Seq2Seq, tgtTokenizer, sources, gen, {
        batchSize: flags.batchSize,
        onProgress: (done, total) => {
          if (process.stderr.isTTY) process.stderr.write(`\rtranslated ${done}/${total}`);
        },
      });
      if (process.stderr.isTTY) process.stderr.write("\n");
      if (flags.hypotheses) fs.writeFileSync(flags.hypotheses, hyps.map((h) => h.replace(/[\r\n]+/g, " ")).join("\n") + "\n");
      const refs = rows.map((r) => r[1]);
      const bleu = corpusBleu(hyps, refs);
      const chrf = corpusChrf(hyps, refs);
      const seconds = (Date.now() - t0) / 1000;
      print(
        { bleu: bleu.score, chrf: chrf.score, sentences: rows.length },
        `BLEU ${bleu.score.toFixed(2)} (${bleu.precisions.map((p) => p.toFixed(1)).join("/")}, BP ${bleu.bp.toFixed(3)}, ratio ${bleu.ratio.toFixed(3)})  chrF ${chrf.score.toFixed(2)}  sentences ${rows.length}  (${seconds.toFixed(1)} s, ${flags.beam !== undefined ? `beam ${flags.beam}` : "greedy"})`,
      );
    });
}
