import { DecoderOnly, Seq2Seq, initParameters, parseConfig, type DecoderOnlyConfig, type Seq2SeqConfig } from "../../src/models/index.js";

/** Shared by the generation tests: tiny models with random weights (in eval mode), in every norm order and position kind. */
export interface Variant {
  name: string;
  norm_first: boolean;
  positional: "sinusoidal" | "learned";
  activation: "relu" | "gelu";
}

export const VARIANTS: Variant[] = [
  { name: "post-LN, sinusoidal, relu", norm_first: false, positional: "sinusoidal", activation: "relu" },
  { name: "pre-LN, learned, gelu", norm_first: true, positional: "learned", activation: "gelu" },
  { name: "post-LN, learned, gelu", norm_first: false, positional: "learned", activation: "gelu" },
  { name: "pre-LN, sinusoidal, relu", norm_first: true, positional: "sinusoidal", activation: "relu" },
];

const COMMON = { d_model: 16, num_heads: 4, d_ff: 32, dropout: 0.1, max_len: 32, pad_id: 0, bos_id: 1, eos_id: 2 };

export function tinySeq2Seq(v: Variant, seed = 1, extra: Partial<Seq2SeqConfig> = {}): Seq2Seq {
  const cfg = parseConfig({
    ...COMMON, architecture: "seq2seq", src_vocab_size: 11, tgt_vocab_size: 13, num_encoder_layers: 2, num_decoder_layers: 2,
    norm_first: v.norm_first, positional: v.positional, activation: v.activation, ...extra,
  }) as Seq2SeqConfig;
  const m = new Seq2Seq(cfg);
  initParameters(m, seed);
  return m.eval();
}

export function tinyDecoderOnly(v: Variant, seed = 1, extra: Partial<DecoderOnlyConfig> = {}): DecoderOnly {
  const cfg = parseConfig({
    ...COMMON, architecture: "decoder_only", vocab_size: 13, num_layers: 2,
    norm_first: v.norm_first, positional: v.positional, activation: v.activation, ...extra,
  }) as DecoderOnlyConfig;
  const m = new DecoderOnly(cfg);
  initParameters(m, seed);
  return m.eval();
}

/** Max |a − b| over two equally long arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/**
 * A decoder_only model wired by hand so that its next-token logits are known. Embeddings and every layer
 * weight are zero and the learned position table is one-hot (position p → unit vector p), so the hidden state
 * at position p is LayerNorm(unit vector p), plus the final norm's bias 1 on an extra last dimension.
 * - `script`: lm_head reads entry p, so greedy search fed bos emits script[0], script[1], ...
 * - `constant`: lm_head reads only the extra dimension, so every position's logits are exactly `constant`.
 */
export function handMadeDecoderOnly(opts: { vocabSize: number; script?: number[]; constant?: number[]; maxLen?: number }): DecoderOnly {
  const L = opts.maxLen ?? (opts.script?.length ?? 0) + 2;
  const n = L + 1; // d_model
  const cfg = parseConfig({
    architecture: "decoder_only", vocab_size: opts.vocabSize, num_layers: 1, d_model: n, num_heads: 1, d_ff: 4, dropout: 0,
    max_len: L, positional: "learned", scale_embeddings: false, pad_id: 0, bos_id: 1, eos_id: 2,
  }) as DecoderOnlyConfig;
  const m = new DecoderOnly(cfg);
  for (const p of m.parameters()) p.data.fill(0);
  for (const [name, p] of m.namedParameters()) if (/norm\d?\.weight$/.test(name)) p.data.fill(1);
  for (let p = 0; p < L; p++) m.pos.weight!.data[p * n + p] = 1;
  m.stack.norm!.bias.data[L] = 1;
  const W = m.lmHead.weight; // (V, n)
  opts.script?.forEach((tok, p) => {
    W.data[tok * n + p] = 10;
  });
  if (opts.constant) {
    // LayerNorm maps a unit vector's zeros to -mean/std: the extra dimension holds 1 + that, at every position
    const mean = 1 / n;
    const std = Math.sqrt(((1 - mean) ** 2 + (n - 1) * mean * mean) / n + 1e-5);
    const c = 1 - mean / std;
    opts.constant.forEach((z, j) => {
      W.data[j * n + L] = z / c;
    });
  }
  m.eval();
  return m;
}

/** A byte-level stand-in for the tokenizer: pad 0, bos 1, eos 2, byte b → id 3 + b. */
export const byteTokenizer = {
  encode(text: string): number[] {
    return Array.from(new TextEncoder().encode(text), (b) => b + 3);
  },
  decode(ids: number[], opts: { skipSpecial?: boolean } = {}): string {
    let out = "";
    let bytes: number[] = [];
    const flush = () => {
      out += new TextDecoder().decode(Uint8Array.from(bytes));
      bytes = [];
    };
    for (const id of ids) {
      if (id >= 3) bytes.push(id - 3);
      else if (!(opts.skipSpecial ?? false)) {
        flush();
        out += ["<pad>", "<bos>", "<eos>"][id];
      }
    }
    flush();
    return out;
  },
};
