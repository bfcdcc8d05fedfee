/**
 * transformers' MarianTokenizer (Helsinki-NLP/opus-mt-* folders, which have no tokenizer.json): a SentencePiece
 * unigram model per side (source.spm, target.spm) segments the text, and the pieces are looked up by their text in
 * the folder's shared vocab.json (a piece it lacks, an unknown run among them, is <unk>); </s> is appended. The
 * special tokens written literally in a text ("</s>") are their ids, and a leading language code (">>es<<") is
 * one token, as there. Decoding drops the special tokens, joins the pieces, turns ▁ into spaces and strips the
 * ends (Python's str.strip). Browser-safe.
 */
import { TokenizerError } from "../errors.js";
import { SPACE_SYMBOL, type SentencePiece } from "./sentencepiece.js";

/** What the checkpoint's tokenizer_config.json names (MarianTokenizer's defaults otherwise). */
export interface MarianSpecials {
  eos: string;
  unk: string;
  pad: string;
}

export interface MarianEncodeOptions {
  /** Put </s> last, as MarianTokenizer does. @default true */
  addEos?: boolean;
}

/** Python's str.isspace characters (what str.strip removes): Unicode White_Space plus the separators \x1c-\x1f. */
const PY_SPACE = /[\t\n\v\f\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;

function pythonStrip(s: string): string {
  let a = 0, b = s.length;
  while (a < b && PY_SPACE.test(s[a])) a++;
  while (b > a && PY_SPACE.test(s[b - 1])) b--;
  return s.slice(a, b);
}

export class MarianTokenizer {
  readonly eosId: number;
  readonly unkId: number;
  readonly padId: number;
  /** Marian has no bos: decoding starts from decoder_start_token_id, the pad token. */
  readonly bosId: number;
  private readonly pieces: string[];
  private readonly special: Set<number>;
  private readonly specialTokens: string[];

  /** `vocab`: vocab.json (piece → id); `source` names it in errors. */
  constructor(private readonly spm: SentencePiece, private readonly vocab: ReadonlyMap<string, number>, specials: MarianSpecials, source: string) {
    const idOf = (role: string, token: string): number => {
      const id = vocab.get(token);
      if (id === undefined) throw new TokenizerError(`${source}: the ${role} token ${JSON.stringify(token)} is not in the vocabulary`);
      return id;
    };
    this.eosId = idOf("eos", specials.eos);
    this.unkId = idOf("unk", specials.unk);
    this.padId = idOf("pad", specials.pad);
    this.bosId = this.padId;
    this.pieces = [];
    for (const [piece, id] of vocab) {
      if (!Number.isInteger(id) || id < 0) throw new TokenizerError(`${source}: ${JSON.stringify(piece)} has id ${JSON.stringify(id)}; expected an integer ≥ 0`);
      if (this.pieces[id] !== undefined) throw new TokenizerError(`${source}: id ${id} is given to both ${JSON.stringify(this.pieces[id])} and ${JSON.stringify(piece)}`);
      this.pieces[id] = piece;
    }
    for (let id = 0; id < this.pieces.length; id++) {
      if (this.pieces[id] === undefined) throw new TokenizerError(`${source}: no piece has id ${id} (ids must be 0..${this.pieces.length - 1})`);
    }
    this.special = new Set([this.eosId, this.unkId, this.padId]);
    // longest first, so that one special inside another's text is not split out
    this.specialTokens = [specials.eos, specials.unk, specials.pad].sort((a, b) => b.length - a.length);
  }

  /** One vocabulary for both sides and the model's embedding rows. */
  get vocabSize(): number {
    return this.pieces.length;
  }

  /** The ids of a text, as MarianTokenizer gives them (</s> last). */
  encode(text: string, opts: MarianEncodeOptions = {}): number[] {
    const ids: number[] = [];
    for (const segment of this.splitSpecials(text)) {
      if (typeof segment === "number") {
        ids.push(segment);
        continue;
      }
      let rest = segment;
      // a leading >>xx<< language code is a token of its own (remove_language_code)
      const end = rest.startsWith(">>") ? rest.indexOf("<<") : -1;
      if (end !== -1) {
        ids.push(this.vocab.get(rest.slice(0, end + 2)) ?? this.unkId);
        rest = rest.slice(end + 2);
      }
      for (const p of this.spm.encode(rest)) ids.push(this.vocab.get(p.piece) ?? this.unkId);
    }
    if (opts.addEos ?? true) ids.push(this.eosId);
    return ids;
  }

  /** The pieces of a text (vocab.json's spelling, ▁ for a space; </s> last). */
  tokens(text: string): string[] {
    return this.encode(text).map((id) => this.pieces[id]);
  }

  /**
   * Text of ids as MarianTokenizer.decode(ids, skip_special_tokens=True) gives it: the special tokens (</s>, <unk>,
   * <pad>) dropped, the pieces joined, ▁ as a space, the ends stripped. `skipSpecial` false keeps the specials'
   * text among the pieces (for inspection; transformers spaces them its own way).
   */
  decode(ids: ArrayLike<number>, opts: { skipSpecial?: boolean } = {}): string {
    const skip = opts.skipSpecial ?? true;
    let text = "";
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      const piece = this.pieces[id];
      if (piece === undefined) throw new TokenizerError(`decode: id ${id} at position ${i} is not in the vocabulary; expected 0..${this.vocabSize - 1}`);
      if (!skip || !this.special.has(id)) text += piece;
    }
    return pythonStrip(text.replaceAll(SPACE_SYMBOL, " "));
  }

  idToToken(id: number): string | undefined {
    return this.pieces[id];
  }

  tokenToId(token: string): number | undefined {
    return this.vocab.get(token);
  }

  /** The text cut at literal special tokens (their ids), as the Python tokenizer splits on its added tokens. */
  private splitSpecials(text: string): (string | number)[] {
    const out: (string | number)[] = [];
    let from = 0, at = 0;
    while (at < text.length) {
      const token = this.specialTokens.find((t) => text.startsWith(t, at));
      if (token === undefined) {
        at++;
        continue;
      }
      if (at > from) out.push(text.slice(from, at));
      out.push(this.vocab.get(token)!);
      at += token.length;
      from = at;
    }
    if (from < text.length) out.push(text.slice(from));
    return out;
  }
}
