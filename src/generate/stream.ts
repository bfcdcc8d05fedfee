import { OptionError } from "../errors.js";
import type { GenerationConfig } from "./config.js";
import type { GenerativeModel } from "../models/architectures/registry.js";
import { type GenerationOutput, prepareSearch } from "./generate.js";
import { type FinishReason, tokenSearch } from "./search.js";

/** What streaming needs of a tokenizer: ids back to text. */
export interface Detokenizer {
  decode(ids: number[], opts?: { skipSpecial?: boolean }): string;
}

const REPLACEMENT = "\uFFFD";

/**
 * Turns a growing list of token ids into text pieces, each emitted once. Byte-level tokens may split a
 * multi-byte character; while the decoded tail ends in an incomplete character (U+FFFD) nothing is emitted,
 * so a piece never holds half a character. As in text-generation-inference, only a window is re-decoded: the
 * tokens since the last emitted piece, after a few tokens of context for decoders that look at neighbours.
 */
export class IncrementalDetokenizer {
  private readonly ids: number[] = [];
  private prefixOffset = 0; // start of the context window
  private readOffset = 0; // tokens up to here are emitted

  constructor(private readonly tokenizer: Detokenizer, private readonly skipSpecial = true) {}

  /** Adds one token and returns the text it completes ("" while a character is incomplete). */
  push(token: number): string {
    this.ids.push(token);
    return this.emit(false);
  }

  /** Everything not emitted yet, complete or not (call once the sequence has ended). */
  flush(): string {
    return this.emit(true);
  }

  private emit(final: boolean): string {
    const opts = { skipSpecial: this.skipSpecial };
    const prefix = this.tokenizer.decode(this.ids.slice(this.prefixOffset, this.readOffset), opts);
    const full = this.tokenizer.decode(this.ids.slice(this.prefixOffset), opts);
    if (!final && (full.length <= prefix.length || full.endsWith(REPLACEMENT))) return "";
    const piece = full.startsWith(prefix) ? full.slice(prefix.length) : full.slice(Math.min(prefix.length, full.length));
    this.prefixOffset = this.readOffset;
    this.readOffset = this.ids.length;
    return piece;
  }
}

/** One streamed token of one input, with the text it completes. */
export interface StreamPiece {
  input: number;
  token: number;
  /** Newly complete text ("" without a detokenizer, for a skipped special token, or mid-character). */
  text: string;
  /** Set on the input's last token; that piece also carries any text held back until then. */
  finish: FinishReason | null;
}

export interface StreamOptions {
  /** Turns tokens into text; without one, pieces carry ids only. */
  detokenizer?: Detokenizer;
  /** Leave special tokens (eos) out of the text. @default true */
  skipSpecial?: boolean;
}

/**
 * Generates like `generate` and yields every token as soon as it is chosen, with its text:
 * `for await (const piece of stream(model, [ids], config, { detokenizer })) write(piece.text)`.
 * Greedy search and sampling only (the best beam can change until the end, so beam search throws). Between
 * steps it yields to the event loop, so a page stays responsive. Returns the same output as `generate`.
 */
export async function* stream(
  model: GenerativeModel, inputs: readonly (readonly number[])[], config: GenerationConfig = {}, opts: StreamOptions = {},
): AsyncGenerator<StreamPiece, GenerationOutput, void> {
  if (config.strategy === "beam") throw new OptionError("streaming works with greedy search and sampling, not beam search");
  const { setup, cfg } = prepareSearch(model, inputs, config);
  const texts = opts.detokenizer ? inputs.map(() => new IncrementalDetokenizer(opts.detokenizer!, opts.skipSpecial ?? true)) : null;
  const steps = tokenSearch(setup, cfg);
  for (;;) {
    const r = steps.next();
    if (r.done) return cfg.strategy === "sample" ? { results: r.value, seed: cfg.seed } : { results: r.value };
    for (const e of r.value) {
      let text = "";
      if (texts) {
        text = texts[e.input].push(e.token);
        if (e.finish) text += texts[e.input].flush();
      }
      yield { input: e.input, token: e.token, text, finish: e.finish };
    }
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

/**
 * One input streamed to `onPiece` token by token (a page writing each token as it comes); resolves to the tokens
 * generated after the input and how the output ended. Greedy search and sampling, as `stream`.
 */
export async function streamOne(
  model: GenerativeModel, input: readonly number[], config: GenerationConfig, opts: StreamOptions, onPiece: (piece: StreamPiece) => void,
): Promise<{ ids: number[]; finish: FinishReason }> {
  const steps = stream(model, [input], config, opts);
  const ids: number[] = [];
  for (;;) {
    const r = await steps.next();
    if (r.done) return { ids, finish: r.value.results[0][0].finish };
    ids.push(r.value.token);
    onPiece(r.value);
  }
}
