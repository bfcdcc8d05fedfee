/**
 * Errors a user can cause and fix (bad file, bad option, bad config). Each message is one line that says what
 * is wrong, where (file:line, tensor or key name) and what was expected. The CLI prints such errors without a
 * stack trace; anything else is a bug and keeps its stack.
 */
export class TransformerError extends Error {
  readonly userFacing = true;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A checkpoint folder, config.json or model.safetensors that cannot be loaded as it is. */
export class CheckpointError extends TransformerError {}

/** A model config with a missing key or an impossible value. */
export class ConfigError extends TransformerError {}

/** A data file (TSV, text) that is missing, empty or malformed. */
export class DataError extends TransformerError {}

/** A tokenizer file that is missing or malformed, or text it cannot encode. */
export class TokenizerError extends TransformerError {}

/** A command-line or API option that is unknown, out of range, or does not apply. */
export class OptionError extends TransformerError {}
