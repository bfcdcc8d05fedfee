/**
 * JSON text to a value, with the one-line error every reader of a JSON file gives (config.json, training_state.json,
 * tokenizer files, conformance cases, the page's uploads). Browser-safe; src/io/read-json.ts reads the file in Node.
 */

/** An error class of src/errors.ts (CheckpointError, TokenizerError, ...): what kind of file `file` is. */
export type ErrorClass = new (message: string) => Error;

/** An error's message on one line (V8 quotes the JSON around a syntax error, line breaks included). */
export function reasonOf(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).replace(/\s+/g, " ").trim();
}

/** JSON.parse(text), or an `ErrorClass` saying `FILE: not valid JSON (reason)`. */
export function parseJsonText(text: string, file: string, ErrorClass: ErrorClass): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ErrorClass(`${file}: not valid JSON (${reasonOf(e)})`);
  }
}
