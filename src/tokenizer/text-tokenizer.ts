/**
 * What running a checkpoint on text needs of a tokenizer, whichever kind it is: our byte-level BPE (Tokenizer,
 * tokenizer.json) or a Marian folder's SentencePiece pair (MarianTokenizer). Browser-safe.
 */
export interface TextTokenizer {
  readonly vocabSize: number;
  readonly padId: number;
  readonly bosId: number;
  readonly eosId: number;
  readonly unkId: number | null;
  /** Whether encode places the model's special tokens itself (BERT's [CLS] text [SEP]): a dataset then adds none. */
  readonly addsSpecials?: boolean;
  /** The ids the model reads for a text (each kind documents its own specials: MarianTokenizer appends </s>). */
  encode(text: string, opts?: { addBos?: boolean; addEos?: boolean }): number[];
  /** The text of ids; special tokens are left out unless `skipSpecial` is false. */
  decode(ids: ArrayLike<number>, opts?: { skipSpecial?: boolean }): string;
  idToToken(id: number): string | undefined;
  tokenToId(token: string): number | undefined;
}
