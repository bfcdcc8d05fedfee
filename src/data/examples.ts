/** The token-id examples the data layer works on: ids as the tokenizer gives them, without special tokens. */

/** A source/target pair for the encoder-decoder model. */
export interface PairExample {
  src: ArrayLike<number>;
  tgt: ArrayLike<number>;
}

/** A text and its class id for the encoder-only classifier. */
export interface LabeledExample {
  ids: ArrayLike<number>;
  label: number;
}

/** The special token ids (pad_id, bos_id, eos_id of the model config). */
export interface SpecialIds {
  pad: number;
  bos: number;
  eos: number;
}
