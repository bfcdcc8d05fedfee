/** Token ids of a batch of sequences, padded to one length: (batch, length), row-major. */
export interface TokenBatch {
  ids: Int32Array;
  batch: number;
  length: number;
}

export function tokenBatch(rows: readonly (readonly number[])[], pad?: number): TokenBatch {
  const length = Math.max(0, ...rows.map((r) => r.length));
  const ids = new Int32Array(rows.length * length);
  rows.forEach((r, b) => {
    ids.set(r, b * length);
    if (r.length < length) {
      if (pad === undefined) throw new Error(`tokenBatch: rows of different lengths need a pad id`);
      ids.fill(pad, b * length + r.length, (b + 1) * length);
    }
  });
  return { ids, batch: rows.length, length };
}

/** (B, T) with 1 where the id is padding, or null when nothing is padded (attention skips the mask then). */
export function paddingMask(batch: TokenBatch, padId: number): Uint8Array | null {
  let any = false;
  const mask = new Uint8Array(batch.ids.length);
  for (let i = 0; i < mask.length; i++) {
    if (batch.ids[i] === padId) {
      mask[i] = 1;
      any = true;
    }
  }
  return any ? mask : null;
}

/**
 * The id that marks padding (masked from attention), or null when padding is never inferred from ids: a pad id
 * shared with bos or eos (GPT-2 has no padding token and pads with its <|endoftext|>) also marks real tokens, so
 * only explicit lengths say what is padding — the rule of Hugging Face's generate() for a pad equal to eos.
 */
export function maskedPadId(c: { pad_id: number; bos_id: number; eos_id: number }): number | null {
  return c.pad_id === c.bos_id || c.pad_id === c.eos_id ? null : c.pad_id;
}

/** PyTorch's ignore_index convention (Hugging Face's labels): a target no token has. */
export const IGNORED_TARGET = -100;

/**
 * The target id a next-token loss skips (padding): pad_id where it is a token of its own; where it is shared with
 * bos or eos (GPT-2), IGNORED_TARGET, so that eos stays a target the model learns, as transformers' fine-tuning has it.
 */
export function ignoredTargetId(c: { pad_id: number; bos_id: number; eos_id: number }): number {
  return maskedPadId(c) ?? IGNORED_TARGET;
}
