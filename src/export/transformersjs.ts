/**
 * The JSON files that make a seq2seq ONNX export a folder transformers.js (@huggingface/transformers) loads as it
 * is (AutoModelForSeq2SeqLM, AutoTokenizer, pipeline("translation")): config.json in Hugging Face's terms and
 * tokenizer_config.json. Our own config goes beside them as transformer_config.json (and in each .onnx file's
 * metadata), since config.json is transformers.js's.
 */
import type { Seq2SeqConfig } from "../models/index.js";
import type { Tokenizer } from "../tokenizer/index.js";

/** Our config in a seq2seq export (config.json there is transformers.js's). */
export const OUR_CONFIG_FILE = "transformer_config.json";

/**
 * config.json for transformers.js. model_type "marian" is what makes it take its encoder-decoder code path (encoder
 * once, then decoder_model_merged.onnx over the cache, with the head counts below to shape the empty first cache);
 * it does not say that the weights are Marian's: the graphs in onnx/ compute our model, transformer_config.json.
 */
export function transformersJsConfig(c: Seq2SeqConfig): Record<string, unknown> {
  return {
    _comment: `model_type "marian" only picks transformers.js's encoder-decoder code path; this is not a Marian model: the ONNX graphs compute ours (${OUR_CONFIG_FILE})`,
    model_type: "marian",
    architectures: ["MarianMTModel"],
    is_encoder_decoder: true,
    d_model: c.d_model,
    encoder_layers: c.num_encoder_layers,
    decoder_layers: c.num_decoder_layers,
    encoder_attention_heads: c.num_heads,
    decoder_attention_heads: c.num_heads,
    vocab_size: c.tgt_vocab_size,
    max_position_embeddings: c.max_len,
    bos_token_id: c.bos_id,
    eos_token_id: c.eos_id,
    pad_token_id: c.pad_id,
    decoder_start_token_id: c.bos_id,
  };
}

/** tokenizer_config.json: the special tokens by content (transformers.js requires the file; tokenizer.json does the work). */
export function transformersJsTokenizerConfig(tokenizer: Tokenizer, c: Seq2SeqConfig): Record<string, unknown> {
  const token = (id: number | null): string | null => (id === null ? null : tokenizer.idToToken(id) ?? null);
  return {
    tokenizer_class: "PreTrainedTokenizer",
    bos_token: token(c.bos_id),
    eos_token: token(c.eos_id),
    pad_token: token(c.pad_id),
    unk_token: token(tokenizer.unkId),
    model_max_length: c.max_len,
  };
}
