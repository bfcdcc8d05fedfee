import type { Seq2Seq } from "../models/index.js";
import type { TextTokenizer } from "../tokenizer/index.js";
import type { GenerationConfig } from "./config.js";
import { generate } from "./generate.js";

export interface TranslateCorpusOptions {
  /** Sentences decoded together. @default 16 */
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Translates many source id sequences, batching sentences of similar length together (less padding, fewer
 * wasted steps), and returns the texts in the input order. Empty sources give empty translations.
 */
export function translateCorpus(
  model: Seq2Seq, tgtTokenizer: TextTokenizer, sources: readonly (readonly number[])[], config: GenerationConfig = {},
  opts: TranslateCorpusOptions = {},
): string[] {
  const batchSize = opts.batchSize ?? 16;
  const out = new Array<string>(sources.length).fill("");
  const order = sources.map((_, i) => i).filter((i) => sources[i].length > 0).sort((a, b) => sources[a].length - sources[b].length || a - b);
  let done = sources.length - order.length;
  for (let start = 0; start < order.length; start += batchSize) {
    const idx = order.slice(start, start + batchSize);
    const { results } = generate(model, idx.map((i) => sources[i]), config);
    idx.forEach((i, k) => {
      out[i] = tgtTokenizer.decode(results[k][0].tokens, { skipSpecial: true });
    });
    done += idx.length;
    opts.onProgress?.(done, sources.length);
  }
  return out;
}
