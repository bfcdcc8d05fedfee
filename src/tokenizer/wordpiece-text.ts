/**
 * BERT's WordPiece tokenizer as a TextTokenizer, for training and evaluating a BERT classifier with our datasets:
 * encode gives the model's whole input, its post-processor's [CLS] text [SEP] (addsSpecials), so a dataset adds
 * no bos of its own. BERT's config has no bos or eos (ours keeps the defaults); pad is config.json's pad_token_id.
 * Browser-safe.
 */
import type { TextTokenizer } from "./text-tokenizer.js";
import type { WordPieceTokenizer } from "./wordpiece.js";

export class WordPieceText implements TextTokenizer {
  readonly addsSpecials = true;
  constructor(readonly wordPiece: WordPieceTokenizer, readonly padId: number, readonly bosId: number, readonly eosId: number) {}

  get vocabSize(): number {
    return this.wordPiece.vocabSize;
  }

  get unkId(): number {
    return this.wordPiece.unkId;
  }

  /** [CLS] ids [SEP], as transformers' tokenizer(text) gives them (the options do not apply: the template places the specials). */
  encode(text: string): number[] {
    return this.wordPiece.encodeWithSpecials(text).ids;
  }

  decode(ids: ArrayLike<number>, opts?: { skipSpecial?: boolean }): string {
    return this.wordPiece.decode(ids, opts);
  }

  idToToken(id: number): string | undefined {
    return this.wordPiece.idToToken(id);
  }

  tokenToId(token: string): number | undefined {
    return this.wordPiece.tokenToId(token);
  }
}
