import { OptionError } from "../errors.js";

/** Throws unless there is at least one segment and as many references as hypotheses. */
export function checkCorpus(metric: string, hypotheses: readonly string[], references: readonly string[]): void {
  if (hypotheses.length !== references.length) {
    throw new OptionError(
      `${metric}: ${hypotheses.length} hypotheses but ${references.length} references (expected one reference per hypothesis)`,
    );
  }
  if (hypotheses.length === 0) throw new OptionError(`${metric}: no hypotheses (expected at least one segment)`);
}
