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

/** A model option that an export (ONNX) does not write: refused, never written as something else. */
export class ExportError extends TransformerError {}

/** A data file (TSV, text) that is missing, empty or malformed. */
export class DataError extends TransformerError {}

/** A tokenizer file that is missing or malformed, or text it cannot encode. */
export class TokenizerError extends TransformerError {}

/**
 * A GPU that failed under the model: the device lost (a driver reset, the GPU removed, the browser reclaiming it),
 * a kernel it refused, or no answer. What lived on it is gone; what was saved is not (a training run says which
 * checkpoint its folder still holds).
 */
export class DeviceError extends TransformerError {}

/** Names an option as one door shows it to its users: "topP" → "--top-p" (CLI), "top_p" (JSON). */
export type OptionNamer = (key: string) => string;

/**
 * An option that is unknown, out of range, or does not apply. The library names options by their keys ("topP");
 * a door (CLI, page, server) shows each under the name its users typed: `named(flagOf)`. `problem` is what follows
 * the option's name ("must be in (0, 1], got 2"), or a function of the door's namer when the sentence names other
 * options too. The one-argument form is for errors about no particular option.
 */
export class OptionError extends TransformerError {
  /** The option at fault, by its library key; undefined for an error about no particular option. */
  readonly key: string | undefined;
  private readonly say: (name: OptionNamer) => string;

  constructor(message: string);
  constructor(key: string, problem: string | ((name: OptionNamer) => string));
  constructor(keyOrMessage: string, problem?: string | ((name: OptionNamer) => string)) {
    const say = problem === undefined ? () => keyOrMessage
      : typeof problem === "function" ? problem
      : (name: OptionNamer) => `${name(keyOrMessage)} ${problem}`;
    super(say((k) => k));
    this.key = problem === undefined ? undefined : keyOrMessage;
    this.say = say;
  }

  /** The message with every option named by `name`. */
  named(name: OptionNamer): string {
    return this.say(name);
  }
}
