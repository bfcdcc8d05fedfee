import { type Command, Option } from "commander";
import { OptionError } from "../../errors.js";
import { ARCHITECTURES } from "../../models/index.js";
import { type EvalEvent, type RunRequest, trainModel } from "../../run/index.js";
import { PRESETS } from "../../train/presets.js";
import { TrainingProgress } from "../progress.js";
import { numberOption, integerOption } from "../options.js";

/**
 * For seq2seq: the validation loss with sources shuffled, and how much worse it is. A model that has not learned to
 * read its source yet scores the same either way (a target-side language model): said outright, since a falling
 * loss alone does not show it.
 */
function sourceUse(e: EvalEvent): string {
  if (e.shuffledSourceLoss === undefined) return "";
  const gain = e.shuffledSourceLoss - e.validLoss;
  const verdict = gain < 0.05 ? ": the model does not use its source yet" : "";
  return `; with shuffled sources ${e.shuffledSourceLoss.toFixed(3)}, ${gain >= 0 ? "+" : ""}${gain.toFixed(3)}${verdict}`;
}

export function registerTrain(program: Command): void {
  program
    .command("train")
    .description("train a seq2seq, decoder_only or encoder_only model on a TSV or text file; --out always ends as a loadable checkpoint folder")
    .addOption(new Option("--arch <arch>", "architecture").choices(ARCHITECTURES).default("seq2seq"))
    .option("--data <file>", "training data: TSV with a header row (seq2seq, encoder_only) or text, one example a line (decoder_only); .gz is fine (default with --resume: the run's)")
    .option("--valid <file>", "validation data, same format (default with --resume: the run's)")
    .option("--out <dir>", "run folder: latest checkpoint, checkpoints/, best/, metrics.jsonl, loss.svg (default with --resume: that folder)")
    .addOption(new Option("--preset <name>", "model size").choices(Object.keys(PRESETS)).default("tiny"))
    .option("--steps <n>", "total optimizer steps of the run (a resumed run counts the steps already done)", integerOption)
    .option("--minutes <m>", "stop after this much training time", numberOption)
    .option("--resume <dir>", "continue the run saved in this folder (its newest complete checkpoint), or from one of its checkpoints")
    .option("--overwrite", "replace the run that --out holds (only a run's own files are deleted)")
    .option("--seed <n>", "random seed (initialisation, batch order, dropout)", integerOption, 1)
    .option("--src-col <name>", "source column (seq2seq)", "english")
    .option("--tgt-col <name>", "target column (seq2seq)", "spanish")
    .option("--text-col <name>", "text column (encoder_only)", "text")
    .option("--label-col <name>", "label column (encoder_only)", "label")
    .addOption(new Option("--on-bad-row <what>", "a malformed row stops the run, or is skipped and counted").choices(["stop", "skip"]).default("stop"))
    .option("--vocab-size <n>", "BPE vocabulary size (4 specials + 256 bytes + merges)", integerOption, 8000)
    .option("--separate-vocab", "separate source and target vocabularies (seq2seq); default shared")
    .option("--max-len <n>", "model max_len; longer examples are dropped (and counted)", integerOption, 128)
    .option("--batch-tokens <n>", "padded tokens per batch on each side (source, target), as the paper and fairseq count", integerOption, 4096)
    .option("--accum <n>", "batches per optimizer step (gradient accumulation)", integerOption, 1)
    .option("--dropout <p>", "dropout probability", numberOption, 0.1)
    .option("--label-smoothing <eps>", "label smoothing", numberOption, 0.1)
    .addOption(new Option("--schedule <name>", "learning-rate schedule").choices(["noam", "cosine"]).default("noam"))
    .option("--warmup <n>", "warm-up steps", integerOption, 400)
    .option("--lr-factor <f>", "noam: lr = f · d_model^-0.5 · min(step^-0.5, step · warmup^-1.5) (default per preset: tiny 1, small 0.5, base 0.25)", numberOption)
    .option("--lr <rate>", "cosine: peak learning rate", numberOption, 1e-3)
    .option("--clip <norm>", "global gradient-norm clipping", numberOption, 1)
    .option("--weight-decay <wd>", "AdamW weight decay (0: plain Adam)", numberOption, 0)
    .option("--log-every <n>", "steps between metric lines", integerOption, 10)
    .option("--eval-every <n>", "steps between validation runs", integerOption, 200)
    .option("--save-every <n>", "steps between checkpoints", integerOption, 200)
    .option("--keep <k>", "earlier checkpoints kept under checkpoints/", integerOption, 3)
    .option("--valid-batches <n>", "validation batches per evaluation (0: all)", integerOption, 0)
    .action(async (flags: Record<string, unknown>, cmd: Command) => {
      const explicit = new Set(Object.keys(flags).filter((k) => cmd.getOptionValueSource(k) === "cli"));
      const opts = { ...flags, sharedVocab: !flags.separateVocab, explicit } as unknown as RunRequest;
      if (opts.resume === undefined && opts.out === undefined) throw new OptionError("--out is required (the run folder to write)");
      if (opts.out === undefined) opts.out = opts.resume!;
      const progress = new TrainingProgress();
      const signal = { stop: false };
      const onInt = () => {
        if (signal.stop) process.exit(130); // a second Ctrl-C: give up at once
        signal.stop = true;
        progress.note("interrupted: saving after the current step (Ctrl-C again to quit without saving)");
      };
      process.on("SIGINT", onInt);
      try {
        const r = await trainModel(opts, {
          info: (m) => progress.note(m),
          log: (e) => progress.update(e),
          eval: (e) => progress.note(`step ${e.step}: validation loss ${e.validLoss.toFixed(3)} (perplexity ${e.perplexity.toFixed(1)}${e.accuracy !== undefined ? `, accuracy ${(100 * e.accuracy).toFixed(1)}%` : ""}${sourceUse(e)})${e.best ? " best so far" : ""}`),
          save: (dir, step) => progress.note(`step ${step}: saved ${dir}`),
        }, signal);
        progress.stop();
        const trained = Number.isNaN(r.finalTrainLoss) ? "nothing left to train (give a larger --steps)" : `train loss ${r.finalTrainLoss.toFixed(3)}`;
        process.stdout.write(`${r.interrupted ? "interrupted" : "finished"} at step ${r.step}: ${trained}` +
          (r.validLoss !== null ? `, validation loss ${r.validLoss.toFixed(3)}` : "") +
          (r.baselineLoss !== null ? ` (unigram baseline ${r.baselineLoss.toFixed(3)})` : "") + `; checkpoint in ${flags.out ?? flags.resume}\n`);
        if (r.interrupted) process.exitCode = 130;
      } finally {
        process.off("SIGINT", onInt);
        progress.stop();
      }
    });
}
