/**
 * The project's subword tokenizer: byte-level BPE (GPT-2 / RoBERTa style) that we train ourselves and store as
 * Hugging Face's tokenizer.json. Any text encodes (every byte has a token, so <unk> is never produced) and
 * decodes back to itself. Browser-safe: file I/O lives in ./file.ts.
 */
import { OptionError, TokenizerError } from "../errors.js";
import { BYTE_TO_CHAR, tokenBytes, utf8Bytes, utf8Text } from "./byte-level.js";
import { trainBpe, type TrainProgress } from "./bpe-trainer.js";
import { specFromHfJson, toHfJson, type AddedToken, type HfTokenizerJson, type TokenizerSpec } from "./hf-json.js";
import { MAX_VOCAB_SIZE, MergeTable } from "./merge-table.js";
import { AddedTokenSplitter, preTokenize } from "./pre-tokenizer.js";

/** The special tokens, at fixed ids 0..3 in trained tokenizers (the model's pad_id/bos_id/eos_id defaults). */
export const SPECIAL_TOKENS = { pad: "<pad>", bos: "<s>", eos: "</s>", unk: "<unk>" } as const;
const SPECIALS_IN_ID_ORDER = [SPECIAL_TOKENS.pad, SPECIAL_TOKENS.bos, SPECIAL_TOKENS.eos, SPECIAL_TOKENS.unk];

export interface TrainOptions {
  /** Final vocabulary size including the 4 specials and 256 bytes (so at least 260). */
  vocabSize: number;
  /** Pairs seen fewer times are not merged (training may stop below vocabSize). @default 2 */
  minFrequency?: number;
  onProgress?: (info: TrainProgress) => void;
}

/**
 * Which special added tokens are the padding, beginning and end of a text (and the unknown token, where there is
 * one), by id. A tokenizer we train has <pad>, <s>, </s> and <unk> at 0..3, found by name when no roles are given;
 * a Hugging Face checkpoint names them in its config (GPT-2: <|endoftext|> is bos, eos and pad alike).
 */
export interface SpecialRoles {
  pad: number;
  bos: number;
  eos: number;
  unk?: number;
}

export interface EncodeOptions {
  /** Put <s> first. @default false */
  addBos?: boolean;
  /** Put </s> last. @default false */
  addEos?: boolean;
}

export interface DecodeOptions {
  /** Leave out special tokens (<pad>, <s>, </s>, <unk>; every added token marked special). @default true */
  skipSpecial?: boolean;
}

const CACHE_LIMIT = 100_000; // distinct words cached before the cache is dropped (bounds memory on long inputs)
const COUNT_PROGRESS_EVERY = 5_000; // texts between two progress reports while counting words

export class Tokenizer {
  readonly padId: number;
  readonly bosId: number;
  readonly eosId: number;
  /** null when the file names no unknown token (byte-level BPE never needs one). */
  readonly unkId: number | null;

  private readonly spec: TokenizerSpec;
  private readonly idOf: Map<string, number>;
  private readonly merges: MergeTable;
  private readonly splitter: AddedTokenSplitter;
  private readonly bytesOf: Array<Uint8Array | null>; // null for added tokens, which decode as their content
  private readonly special: Uint8Array; // 1 where the id is a special token
  private readonly byteIds: Int32Array; // byteIds[b] = id of the symbol for byte b
  private readonly cache = new Map<string, number[]>(); // word -> ids

  /**
   * Build from a validated spec; use `train` or `fromJSON` rather than calling this directly. `roles`: the ids of
   * the special tokens; default: our four, by name.
   */
  constructor(spec: TokenizerSpec, source = "tokenizer", roles?: SpecialRoles) {
    this.spec = spec;
    this.idOf = new Map(spec.tokens.map((t, id) => [t, id]));
    const specialIds = new Set(spec.addedTokens.filter((t) => t.special).map((t) => t.id));
    if (roles) {
      for (const [name, id] of Object.entries(roles) as Array<[string, number | undefined]>) {
        if (id !== undefined && !specialIds.has(id)) {
          const token = spec.tokens[id];
          throw new TokenizerError(`${source}: the ${name} token is id ${id}${token === undefined ? ", outside the vocabulary" : ` (${JSON.stringify(token)}), which is not a special added token`}; expected one of the added_tokens marked "special": true`);
        }
      }
      ({ pad: this.padId, bos: this.bosId, eos: this.eosId } = roles);
      this.unkId = roles.unk ?? null;
    } else {
      const required = (token: string): number => {
        const id = spec.addedTokens.find((t) => t.content === token && t.special)?.id;
        if (id === undefined) {
          throw new TokenizerError(`${source}: no special added token ${JSON.stringify(token)}; expected ${SPECIALS_IN_ID_ORDER.join(", ")} in added_tokens`);
        }
        return id;
      };
      this.padId = required(SPECIAL_TOKENS.pad);
      this.bosId = required(SPECIAL_TOKENS.bos);
      this.eosId = required(SPECIAL_TOKENS.eos);
      this.unkId = required(SPECIAL_TOKENS.unk);
    }

    const results = spec.merges.map(([a, b]) => {
      const id = this.idOf.get(spec.tokens[a]! + spec.tokens[b]!);
      if (id === undefined) throw new TokenizerError(`${source}: merge ${spec.tokens[a]} + ${spec.tokens[b]} makes a token not in the vocab`);
      return id;
    });
    this.merges = new MergeTable(spec.merges, results);
    this.splitter = new AddedTokenSplitter(spec.addedTokens);
    const added = new Set(spec.addedTokens.map((t) => t.id));
    this.bytesOf = spec.tokens.map((t, id) => (added.has(id) ? null : tokenBytes(t) ?? null));
    this.special = new Uint8Array(spec.tokens.length);
    for (const t of spec.addedTokens) if (t.special) this.special[t.id] = 1;
    this.byteIds = Int32Array.from(BYTE_TO_CHAR, (ch) => this.idOf.get(ch)!);
  }

  /**
   * Train a byte-level BPE on texts: count the pre-tokenized words, then learn merges over the word table.
   * Ids: <pad>=0, <s>=1, </s>=2, <unk>=3, bytes 0..255 at 4..259, then merges in the order learned.
   */
  static train(texts: Iterable<string>, opts: TrainOptions): Tokenizer {
    const minVocab = SPECIALS_IN_ID_ORDER.length + 256;
    if (!Number.isInteger(opts.vocabSize) || opts.vocabSize < minVocab || opts.vocabSize > MAX_VOCAB_SIZE) {
      throw new OptionError("vocabSize", `is ${opts.vocabSize}; expected an integer in ${minVocab}..${MAX_VOCAB_SIZE} (4 specials + 256 bytes + merges)`);
    }
    const minFrequency = opts.minFrequency ?? 2;
    if (!Number.isInteger(minFrequency) || minFrequency < 1) {
      throw new OptionError(`minFrequency is ${minFrequency}; expected an integer >= 1`);
    }
    const specials = SPECIALS_IN_ID_ORDER.map((content, id) => ({ id, content, special: true }));
    // Specials written in the training text are cut out as encode would, so they are not learned as words.
    const splitter = new AddedTokenSplitter(specials);
    const wordCounts = new Map<string, number>();
    let n = 0;
    for (const text of texts) {
      for (const segment of splitter.split(text)) {
        if (typeof segment !== "string") continue;
        for (const word of preTokenize(segment)) wordCounts.set(word, (wordCounts.get(word) ?? 0) + 1);
      }
      if (++n % COUNT_PROGRESS_EVERY === 0) opts.onProgress?.({ phase: "count", texts: n, distinctWords: wordCounts.size });
    }
    opts.onProgress?.({ phase: "count", texts: n, distinctWords: wordCounts.size });
    const { tokens, merges } = trainBpe(wordCounts, SPECIALS_IN_ID_ORDER, { vocabSize: opts.vocabSize, minFrequency, onProgress: opts.onProgress });
    return new Tokenizer({ tokens, merges, addedTokens: specials, normalizer: "none" });
  }

  /**
   * Load a Hugging Face tokenizer.json (its text or parsed object). Throws a one-line TokenizerError naming
   * `source` and the key at fault for a malformed file or a component we do not implement.
   */
  static fromJSON(json: unknown, source = "tokenizer.json", roles?: SpecialRoles): Tokenizer {
    return new Tokenizer(specFromHfJson(json, source), source, roles);
  }

  /** Hugging Face tokenizer.json content (JSON.stringify(tokenizer) writes it). */
  toJSON(): HfTokenizerJson {
    return toHfJson(this.spec);
  }

  get vocabSize(): number {
    return this.spec.tokens.length;
  }

  /** Token ids of a text. Specials written literally in the text ("<s>") become their ids, as in Hugging Face. */
  encode(text: string, opts: EncodeOptions = {}): number[] {
    const ids: number[] = [];
    if (opts.addBos) ids.push(this.bosId);
    for (const segment of this.splitter.split(text)) {
      if (typeof segment === "number") ids.push(segment);
      else this.encodeOrdinary(segment, ids);
    }
    if (opts.addEos) ids.push(this.eosId);
    return ids;
  }

  /**
   * Text of token ids; invalid UTF-8 (a cut-off multi-byte character) becomes U+FFFD.
   * Throws a TokenizerError for an id outside the vocabulary.
   */
  decode(ids: ArrayLike<number>, opts: DecodeOptions = {}): string {
    const skipSpecial = opts.skipSpecial ?? true;
    let text = "";
    let bytes = new Uint8Array(64);
    let n = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      const b = this.bytesOf[id];
      if (b === undefined || !Number.isInteger(id)) {
        throw new TokenizerError(`decode: id ${id} at position ${i} is not in the vocabulary; expected 0..${this.vocabSize - 1}`);
      }
      if (b === null) {
        // An added token: its content, verbatim; bytes before it are decoded on their own (as Hugging Face does).
        if (skipSpecial && this.special[id]) continue;
        text += utf8Text(bytes.subarray(0, n)) + this.spec.tokens[id];
        n = 0;
        continue;
      }
      if (n + b.length > bytes.length) {
        const grown = new Uint8Array(2 * (n + b.length));
        grown.set(bytes.subarray(0, n));
        bytes = grown;
      }
      bytes.set(b, n);
      n += b.length;
    }
    return text + utf8Text(bytes.subarray(0, n));
  }

  /** The subword strings of a text, in Hugging Face's byte-level spelling ("Ġ" is a leading space). */
  tokens(text: string): string[] {
    return this.encode(text).map((id) => this.spec.tokens[id]!);
  }

  idToToken(id: number): string | undefined {
    return this.spec.tokens[id];
  }

  tokenToId(token: string): number | undefined {
    return this.idOf.get(token);
  }

  /** The added tokens (the four specials for a trained tokenizer). */
  get addedTokens(): readonly AddedToken[] {
    return this.spec.addedTokens;
  }

  private encodeOrdinary(text: string, out: number[]): void {
    if (this.spec.normalizer === "NFC") text = text.normalize("NFC");
    for (const word of preTokenize(text)) {
      let ids = this.cache.get(word);
      if (ids === undefined) {
        ids = this.merges.apply(Array.from(utf8Bytes(word), (b) => this.byteIds[b]!));
        if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
        this.cache.set(word, ids);
      }
      for (const id of ids) out.push(id);
    }
  }
}
