/**
 * An architecture's data and doors half (its network half is src/models/architectures/): which texts it reads
 * from a data file, how they become its training batches, what validation measures beside the loss, and which
 * command runs it on text. One module per architecture, listed in registry.ts. Node-only: it reads files.
 */
import type { LossResult } from "../models/index.js";
import type { DataTexts, Dataset, DatasetOptions, TextColumns } from "../train/dataset.js";

/** Validation measures beside the loss: each is summed over the batches and divided by the loss's total count. */
export interface Measures<M, B> {
  /** Examples whose highest logit is their label (a classifier's). */
  accuracy?(model: M, batch: B, out: LossResult): number;
  /** The loss (× its count) with every target scored against another row's source (an encoder-decoder's). */
  shuffledSourceLoss?(model: M, batch: B, out: LossResult): number;
}

/** The CLI commands that run a checkpoint on text; each refuses the others' architectures. */
export type Command = "translate" | "generate" | "classify";

export interface ArchitectureTask<M, B> {
  /** The command that runs it on text, if one does. */
  readonly command?: Command;
  /** Its examples' texts in a data file (TSV columns, or lines). */
  readTexts(file: string, cols: TextColumns): DataTexts;
  /** The texts encoded, filtered to the model's max_len and collated into its training batches. */
  dataset(texts: DataTexts, o: DatasetOptions): Dataset & { labels: string[] };
  readonly measures: Measures<M, B>;
}
