/**
 * GPT-2's byte-level alphabet: each of the 256 byte values is written as one visible, non-whitespace character,
 * so that vocab entries and merges of any UTF-8 text are plain strings (a leading space shows as "Ġ").
 * Printable Latin-1 bytes (!..~, ¡..¬, ®..ÿ) stand for themselves; the other 68 bytes, in increasing order, take
 * code points 256, 257, ... This is the table Hugging Face's ByteLevel pre-tokenizer and decoder use, so our
 * tokenizer.json means the same thing to them.
 */

function buildByteToChar(): string[] {
  const table = new Array<string>(256);
  let next = 256;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    table[b] = String.fromCharCode(printable ? b : next++);
  }
  return table;
}

/** BYTE_TO_CHAR[b] is the one-character symbol that stands for byte b. */
export const BYTE_TO_CHAR: readonly string[] = buildByteToChar();

/** The inverse of BYTE_TO_CHAR. */
export const CHAR_TO_BYTE: ReadonlyMap<string, number> = new Map(BYTE_TO_CHAR.map((c, b) => [c, b]));

const encoder = new TextEncoder();
// ignoreBOM keeps a leading U+FEFF in the text (the default would silently drop it and break round trips);
// invalid sequences become U+FFFD, as Rust's String::from_utf8_lossy does in Hugging Face's decoder.
const decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

/** UTF-8 bytes of a string; a lone surrogate becomes U+FFFD's bytes (what Hugging Face receives from JS too). */
export function utf8Bytes(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Text from UTF-8 bytes, replacing invalid sequences with U+FFFD. */
export function utf8Text(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** The byte-level spelling of a piece of text, e.g. " día" -> "ĠdÃŃa". */
export function byteLevelSpelling(text: string): string {
  let out = "";
  for (const b of utf8Bytes(text)) out += BYTE_TO_CHAR[b];
  return out;
}

/** The bytes a byte-level token stands for, or undefined if it holds a character outside the alphabet. */
export function tokenBytes(token: string): Uint8Array | undefined {
  const bytes = new Uint8Array(token.length);
  let n = 0;
  for (const ch of token) {
    const b = CHAR_TO_BYTE.get(ch);
    if (b === undefined) return undefined;
    bytes[n++] = b;
  }
  return bytes.subarray(0, n);
}
