import { TokenizerError } from "../errors.js";
import { readJsonFile } from "../io/read-json.js";
import type { ModelConfig } from "../models/index.js";
import { SPECIAL_TOKENS, Tokenizer } from "../tokenizer/index.js";

/**
 * A checkpoint's tokenizer file. One we trained names its specials <pad>, <s>, </s>, <unk> and is read by those
 * names, as before; one a run took over from a Hugging Face folder (train --init-from) has its own (GPT-2's
 * <|endoftext|>), whose roles are the ids config.json gives, as when that folder itself loads.
 */
export function loadCheckpointTokenizer(file: string, config: ModelConfig): Tokenizer {
  const json = readJsonFile(file, TokenizerError) as { added_tokens?: unknown } | null;
  const added = Array.isArray(json?.added_tokens) ? json!.added_tokens.map((t: unknown) => (t as { content?: unknown } | null)?.content) : [];
  const ours = Object.values(SPECIAL_TOKENS).some((name) => added.includes(name));
  return Tokenizer.fromJSON(json, file, ours ? undefined : { pad: config.pad_id, bos: config.bos_id, eos: config.eos_id });
}
