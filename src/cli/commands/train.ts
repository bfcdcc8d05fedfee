import type { Command } from "commander";
import { OptionError } from "../../errors.js";
import { type EvalEvent, type RunRequest, TRAIN_OPTIONS, trainModel } from "../../run/index.js";
import { addTableOptions, typedOptions } from "../flags.js";
import { TrainingProgress } from "../progress.js";

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
  const train = program
    .command("train")
    .description("train a seq2seq, decoder_only or encoder_only model on a TSV or text file; --out always ends as a loadable checkpoint folder")
    .option("--resume <dir>", "continue the run saved in this folder (its newest complete checkpoint), or from one of its checkpoints: its options are restored, and only those given again change")
    .option("--overwrite", "replace the run that --out holds (only a run's own files are deleted)")
    .addHelpText("after", `
--resume: a "fixed" option keeps the run's value (a different one is refused), a "kept" one is restored unless
given again, a "this sitting only" one comes from this command line alone. --resume DIR --steps N ends as an
uninterrupted N-step run with the same options would.`);
  addTableOptions(train, TRAIN_OPTIONS)
    .action(async (flags: Record<string, unknown>, cmd: Command) => {
      const opts: RunRequest = { ...typedOptions(cmd, TRAIN_OPTIONS), resume: flags.resume as string | undefined, overwrite: flags.overwrite === true };
      if (opts.resume === undefined && opts.out === undefined) throw new OptionError("--out is required (the run folder to write)");
      if (opts.out === undefined) opts.out = opts.resume!;
      const progress = new TrainingProgress(opts.minutes);
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
          (r.baselineLoss !== null ? ` (unigram baseline ${r.baselineLoss.toFixed(3)})` : "") + `; checkpoint in ${opts.out}\n`);
        if (r.interrupted) process.exitCode = 130;
      } finally {
        process.off("SIGINT", onInt);
        progress.stop();
      }
    });
}
