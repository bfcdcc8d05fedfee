/**
 * The architectures' data and doors halves, one per name of src/models/architectures/registry.ts (the compiler
 * asks for a line here when one is added there), and the lookups the run layer and the CLI make.
 */
import { DataError, OptionError } from "../errors.js";
import { ARCHITECTURES, type Architecture, type Model, type TrainBatch } from "../models/index.js";
import type { DataTexts, Dataset, DatasetOptions, TextColumns } from "../train/dataset.js";
import { decoderOnlyTask } from "./decoder-only.js";
import { encoderOnlyTask } from "./encoder-only.js";
import { seq2seqTask } from "./seq2seq.js";
import type { ArchitectureTask, Command } from "./spec.js";

const TASKS: { readonly [A in Architecture]: ArchitectureTask<Model, TrainBatch> } = {
  seq2seq: seq2seqTask,
  decoder_only: decoderOnlyTask,
  encoder_only: encoderOnlyTask,
};

export function architectureTask(name: Architecture): ArchitectureTask<Model, TrainBatch> {
  return TASKS[name];
}

/** The examples of a data file as the architecture reads it (its columns, or lines). */
export function readTexts(arch: Architecture, file: string, cols: TextColumns): DataTexts {
  return TASKS[arch].readTexts(file, cols);
}

/** Reads, tokenizes and filters a data file for one architecture. */
export function loadDataset(o: DatasetOptions): Dataset & { labels: string[] } {
  const task = TASKS[o.arch];
  const texts = o.texts ?? task.readTexts(o.file, o);
  if (texts.src.length === 0) throw new DataError(`${o.file}: no usable rows`);
  return task.dataset(texts, o);
}

/**
 * Refuses, in one line, a checkpoint that `command` does not run: "<checkpoint> holds a <arch> model; <needs>
 * a <the architectures it runs> checkpoint", pointing at the command that runs this one where there is one.
 */
export function requireCommand(command: Command, checkpoint: string, arch: Architecture, needs: string): void {
  const own = TASKS[arch].command;
  if (own === command) return;
  const takes = ARCHITECTURES.filter((a) => TASKS[a].command === command).join(" or ");
  const article = /^[aeiou]/.test(takes) ? "an" : "a";
  throw new OptionError(`${checkpoint} holds a ${arch} model; ${needs} ${article} ${takes} checkpoint${own ? ` (use ${own})` : ""}`);
}
