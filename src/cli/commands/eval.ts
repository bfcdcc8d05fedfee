import * as fs from "node:fs";
import { type Command, Option } from "commander";
import { OptionError } from "../../errors.js";
import { checkSelection, corpusBleu, corpusChrf, evaluate, selectTexts } from "../../eval/index.js";
import { type BeamConvention, type GenerationConfig, resolveGenerationConfig, translateCorpus } from "../../generate/index.js";
import { unwritableReason } from "../../io/writable.js";
import type { Architecture, Seq2Seq } from "../../models/index.js";
import { loadDataset, readTexts } from "../../architectures/registry.js";
import { checkpointOrShipped, loadForInference } from "../../run/index.js";
import { integerOption, numberOption } from "../options.js";

interface EvalFlags {
  checkpoint?: string;
  data: string;
  beam?: number;
  lengthPenalty?: number;
  beamConvention?: BeamConvention;
  json?: boolean;
  srcCol: string;
  tgtCol: string;
  textCol: string;
  labelCol: string;
  limit?: number;
  batchSize: number;
  onBadRow: "stop" | "skip";
  hypotheses?: string;
  saveRows?: string;
  maxSrcTokens?: number;
}

/** Padded tokens per batch when scoring a decoder_only or encoder_only model (at least one max_len example). */
const SCORE_BATCH_TOKENS = 4096;

/** The options that mean something for one architecture only; typed for another checkpoint, they are refused. */
const APPLIES: Partial<Record<keyof EvalFlags, readonly Architecture[]>> = {
  beam: ["seq2seq"], lengthPenalty: ["seq2seq"], beamConvention: ["seq2seq"], hypotheses: ["seq2seq"], saveRows: ["seq2seq"], batchSize: ["seq2seq"],
  srcCol: ["seq2seq"], tgtCol: ["seq2seq"], textCol: ["encoder_only"], labelCol: ["encoder_only"],
};

export function registerEval(program: Command): void {
  program
    .command("eval")
    .description("score a checkpoint on held-out data: BLEU and chrF (sacreBLEU 13a) for seq2seq, perplexity for decoder_only, accuracy for encoder_only")
    .option("--checkpoint <dir>", "checkpoint folder: config.json, model.safetensors, tokenizer.json (+ tokenizer.target.json); default: the shipped English→Spanish model, models/en-es")
    .requiredOption("--data <file>", "TSV with a header row (seq2seq, encoder_only) or text lines (decoder_only); .gz is fine")
    .option("--beam <k>", "beam search with k beams (default: greedy; seq2seq)", integerOption)
    .option("--length-penalty <alpha>", "beam search: GNMT length penalty α (default 0.6; seq2seq)", numberOption)
    .addOption(new Option("--beam-convention <c>", "beam search: gnmt (the default) or huggingface (transformers' generate(): |Y|^α, its early stop; seq2seq)").choices(["gnmt", "huggingface"]))
    .option("--json", "print the scores as JSON")
    .option("--src-col <name>", "source column (seq2seq)", "english")
    .option("--tgt-col <name>", "reference column (seq2seq)", "spanish")
    .option("--text-col <name>", "text column (encoder_only)", "text")
    .option("--label-col <name>", "label column (encoder_only)", "label")
    .option("--limit <n>", "only the first n rows (decoder_only: lines), after --max-src-tokens", integerOption)
    .option("--max-src-tokens <n>", "only rows whose source (encoder_only: text; decoder_only: line) has at most n tokens (the number kept is reported)", integerOption)
    .option("--batch-size <n>", "sentences decoded together (seq2seq)", integerOption, 16)
    .addOption(new Option("--on-bad-row <what>", "a malformed row stops, or is skipped and counted").choices(["stop", "skip"]).default("stop"))
    .option("--hypotheses <file>", "also write the translations, one per line (seq2seq)")
    .option("--save-rows <file>", "also write the rows scored (after --max-src-tokens, --limit) as a TSV of the two columns, to score another model on the same ones (seq2seq)")
    .action((flags: EvalFlags, cmd: Command) => {
      if (flags.lengthPenalty !== undefined && flags.beam === undefined) throw new OptionError("--length-penalty applies to beam search only (add --beam K)");
      if (flags.beamConvention !== undefined && flags.beam === undefined) throw new OptionError("--beam-convention applies to beam search only (add --beam K)");
      const gen: GenerationConfig = flags.beam !== undefined ? { strategy: "beam", numBeams: flags.beam, lengthPenalty: flags.lengthPenalty, beamConvention: flags.beamConvention } : {};
      resolveGenerationConfig(gen);
      checkSelection(flags);
      if (!Number.isInteger(flags.batchSize) || flags.batchSize < 1) throw new OptionError(`--batch-size must be an integer ≥ 1, got ${flags.batchSize}`);
      if (!fs.existsSync(flags.data)) throw new OptionError(`--data ${flags.data}: file not found`);
      // found out now, not after decoding every row
      for (const [flag, file] of [["--hypotheses", flags.hypotheses], ["--save-rows", flags.saveRows]] as const) {
        const unwritable = file !== undefined ? unwritableReason(file) : undefined;
        if (unwritable) throw new OptionError(`${flag} ${file}: cannot write (${unwritable})`);
      }
      const checkpoint = checkpointOrShipped(flags.checkpoint, "eval");
      const { model, config, srcTokenizer, tgtTokenizer } = loadForInference(checkpoint);
      const arch = config.architecture;
      for (const [key, archs] of Object.entries(APPLIES) as [keyof EvalFlags, readonly Architecture[]][]) {
        if (!archs.includes(arch) && cmd.getOptionValueSource(key) === "cli") {
          const flag = cmd.options.find((o) => o.attributeName() === key)!.long;
          throw new OptionError(`${flag} applies to ${archs.join(", ")} checkpoints; ${checkpoint} holds ${arch === "encoder_only" ? "an" : "a"} ${arch} model`);
        }
      }
      const print = (scores: Record<string, number>, text: string) =>
        process.stdout.write(flags.json ? JSON.stringify(scores) + "\n" : text + "\n");
      const all = readTexts(arch, flags.data, flags);
      const texts = selectTexts(all, flags, (t) => srcTokenizer.encode(t).length);
      if (flags.maxSrcTokens !== undefined) {
        const [unit, part] = arch === "decoder_only" ? ["lines", "line"] : ["rows", arch === "seq2seq" ? "source" : "text"];
        process.stderr.write(`scoring the ${texts.src.length} of ${all.src.length} ${unit} whose ${part} has at most ${flags.maxSrcTokens} tokens\n`);
      }
      if (arch !== "seq2seq") {
        const data = loadDataset({
          arch, file: flags.data, texts, srcTokenizer, tgtTokenizer, maxLen: config.max_len,
          special: { pad: config.pad_id, bos: config.bos_id, eos: config.eos_id }, srcCol: flags.srcCol, tgtCol: flags.tgtCol,
          textCol: flags.textCol, labelCol: flags.labelCol, onBadRow: flags.onBadRow,
          labels: arch === "encoder_only" ? (config as { labels?: string[] }).labels : undefined,
        });
        const { tooLong, empty } = data.dropped;
        if (tooLong + empty > 0) {
          process.stderr.write(`transformer: warning: ${tooLong + empty} of ${texts.src.length} texts are not scored (${tooLong} longer than the model's max_len ${config.max_len} with bos, ${empty} empty)\n`);
        }
        const r = evaluate(model, data, Math.max(SCORE_BATCH_TOKENS, config.max_len), 0);
        if (arch === "encoder_only") print({ accuracy: r.accuracy!, loss: r.loss, examples: data.size }, `accuracy ${(100 * r.accuracy!).toFixed(2)}%  loss ${r.loss.toFixed(3)}  examples ${data.size}`);
        else print({ loss: r.loss, perplexity: Math.exp(r.loss), windows: data.size }, `loss ${r.loss.toFixed(3)} nats/token  perplexity ${Math.exp(r.loss).toFixed(2)}  windows ${data.size}`);
        return;
      }
      let truncated = 0;
      const sources = texts.src.map((text) => {
        const ids = srcTokenizer.encode(text);
        if (ids.length <= config.max_len) return ids;
        truncated++;
        return ids.slice(0, config.max_len);
      });
      if (truncated) process.stderr.write(`transformer: warning: ${truncated} of ${sources.length} sources are longer than the model's max_len ${config.max_len} tokens; only their first ${config.max_len} tokens are translated\n`);
      const t0 = Date.now();
      const hyps = translateCorpus(model as Seq2Seq, tgtTokenizer, sources, gen, {
        batchSize: flags.batchSize,
        onProgress: (done, total) => {
          if (process.stderr.isTTY) process.stderr.write(`\rtranslated ${done}/${total}`);
        },
      });
      if (process.stderr.isTTY) process.stderr.write("\n");
      if (flags.saveRows) {
        const clean = (t: string) => t.replace(/[\t\r\n]+/g, " ");
        fs.writeFileSync(flags.saveRows, [`${flags.srcCol}\t${flags.tgtCol}`, ...texts.src.map((src, i) => `${clean(src)}\t${clean(texts.tgt[i])}`)].join("\n") + "\n");
      }
      if (flags.hypotheses) fs.writeFileSync(flags.hypotheses, hyps.map((h) => h.replace(/[\r\n]+/g, " ")).join("\n") + "\n");
      const refs = texts.tgt;
      const bleu = corpusBleu(hyps, refs);
      const chrf = corpusChrf(hyps, refs);
      const seconds = (Date.now() - t0) / 1000;
      print(
        { bleu: bleu.score, chrf: chrf.score, sentences: sources.length },
        `BLEU ${bleu.score.toFixed(2)} (${bleu.precisions.map((p) => p.toFixed(1)).join("/")}, BP ${bleu.bp.toFixed(3)}, ratio ${bleu.ratio.toFixed(3)})  chrF ${chrf.score.toFixed(2)}  sentences ${sources.length}  (${seconds.toFixed(1)} s, ${flags.beam !== undefined ? `beam ${flags.beam}` : "greedy"})`,
      );
    });
}
