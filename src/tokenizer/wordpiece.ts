/**
 * BERT's WordPiece tokenizer, read from a Hugging Face tokenizer.json (wordpiece-json.ts) and run as `tokenizers`
 * runs it: added tokens ([MASK], [CLS]...) cut out of the raw text, BertNormalizer and BertPreTokenizer on the rest,
 * then each word split greedily into the longest pieces in the vocabulary (pieces after the first spelled with the
 * "##" prefix), a word that cannot be split, or is longer than max_input_chars_per_word, being one [UNK]. Encoding
 * with special tokens places the ids in the post-processor's template ([CLS] A [SEP] B [SEP]) with their token
 * types. Browser-safe.
 */
import { TokenizerError } from "../errors.js";
import { bertNormalize, bertPreTokenize } from "./bert-normalizer.js";
import type { AddedToken } from "./hf-json.js";
import { AddedTokenSplitter } from "./pre-tokenizer.js";
import { type TypedIds, applyTemplate } from "./template.js";
import { type WordPieceSpec, wordPieceSpec } from "./wordpiece-json.js";

export interface WordPieceDecodeOptions {
  /** Leave out the special added tokens ([CLS], [SEP], [PAD], [MASK], [UNK]). @default true */
  skipSpecial?: boolean;
}

const CACHE_LIMIT = 100_000; // distinct words cached before the cache is dropped

export class WordPieceTokenizer {
  readonly unkId: number;
  private readonly idOf: Map<string, number>;
  private readonly splitter: AddedTokenSplitter;
  private readonly special: Uint8Array; // 1 where the id is a special added token
  private readonly cache = new Map<string, number[]>();

  constructor(private readonly spec: WordPieceSpec) {
    this.idOf = new Map(spec.tokens.map((t, id) => [t, id]));
    this.unkId = this.idOf.get(spec.unkToken)!;
    this.splitter = new AddedTokenSplitter(spec.addedTokens);
    this.special = new Uint8Array(spec.tokens.length);
    for (const t of spec.addedTokens) if (t.special) this.special[t.id] = 1;
  }

  /** Load a WordPiece tokenizer.json (its text or parsed object); `source` names it in errors. */
  static fromJSON(json: unknown, source = "tokenizer.json"): WordPieceTokenizer {
    return new WordPieceTokenizer(wordPieceSpec(json, source));
  }

  get vocabSize(): number {
    return this.spec.tokens.length;
  }

  get addedTokens(): readonly AddedToken[] {
    return this.spec.addedTokens;
  }

  idToToken(id: number): string | undefined {
    return this.spec.tokens[id];
  }

  tokenToId(token: string): number | undefined {
    return this.idOf.get(token);
  }

  /** The ids of a text without special tokens around it (those written in it, "[MASK]", are kept). */
  encode(text: string): number[] {
    const ids: number[] = [];
    for (const segment of this.splitter.split(text)) {
      if (typeof segment === "number") ids.push(segment);
      else this.encodeOrdinary(segment, ids);
    }
    return ids;
  }

  /** What transformers' tokenizer(a, b) gives: the ids in the post-processor's template, and their token types. */
  encodeWithSpecials(a: string, b?: string): TypedIds {
    return this.withSpecials(this.encode(a), b === undefined ? undefined : this.encode(b));
  }

  /** Encoded ids (of one text, or a pair) placed in the post-processor's template, with their token types. */
  withSpecials(a: readonly number[], b?: readonly number[]): TypedIds {
    return applyTemplate(this.spec.post, a, b);
  }

  /** The subword strings of a text ("##" marks a piece that continues a word). */
  tokens(text: string): string[] {
    return this.encode(text).map((id) => this.spec.tokens[id]!);
  }

  /** Text of ids, as the WordPiece decoder joins them; throws for an id outside the vocabulary. */
  decode(ids: ArrayLike<number>, opts: WordPieceDecodeOptions = {}): string {
    const skipSpecial = opts.skipSpecial ?? true;
    const tokens: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      const token = Number.isInteger(id) ? this.spec.tokens[id] : undefined;
      if (token === undefined) throw new TokenizerError(`decode: id ${id} at position ${i} is not in the vocabulary; expected 0..${this.vocabSize - 1}`);
      if (!(skipSpecial && this.special[id])) tokens.push(token);
    }
    const d = this.spec.decoder;
    if (!d) return tokens.join(" ");
    return tokens.map((t, i) => {
      const piece = i === 0 ? t : t.startsWith(d.prefix) ? t.slice(d.prefix.length) : " " + t;
      return d.cleanup ? cleanup(piece) : piece;
    }).join("");
  }

  private encodeOrdinary(text: string, out: number[]): void {
    const normalized = this.spec.normalizer ? bertNormalize(text, this.spec.normalizer) : text;
    for (const word of bertPreTokenize(normalized)) {
      let ids = this.cache.get(word);
      if (ids === undefined) {
        ids = this.pieces(word);
        if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
        this.cache.set(word, ids);
      }
      for (const id of ids) out.push(id);
    }
  }

  /** Greedy longest-match-first over the word's characters; [UNK] for the whole word when a piece is missing. */
  private pieces(word: string): number[] {
    const chars = Array.from(word);
    if (chars.length > this.spec.maxInputCharsPerWord) return [this.unkId];
    const ids: number[] = [];
    for (let start = 0; start < chars.length;) {
      let end = chars.length, found: number | undefined;
      for (; end > start; end--) {
        const piece = (start > 0 ? this.spec.prefix : "") + chars.slice(start, end).join("");
        found = this.idOf.get(piece);
        if (found !== undefined) break;
      }
      if (found === undefined) return [this.unkId];
      ids.push(found);
      start = end;
    }
    return ids;
  }
}

/** The WordPiece decoder's cleanup of one token (with its leading space): no space before punctuation and clitics. */
function cleanup(s: string): string {
  return s.replaceAll(" .", ".").replaceAll(" ?", "?").replaceAll(" !", "!").replaceAll(" ,", ",").replaceAll(" ' ", "'")
    .replaceAll(" n't", "n't").replaceAll(" 'm", "'m").replaceAll(" do not", " don't").replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve").replaceAll(" 're", "'re");
}
