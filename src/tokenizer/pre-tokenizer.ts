/**
 * Pre-tokenization: cutting text into the "words" that BPE works inside, exactly as Hugging Face's ByteLevel
 * pre-tokenizer (use_regex: true) does, and cutting out added (special) tokens before that.
 *
 * Hugging Face's Rust library runs GPT-2's pattern
 *   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
 * through Oniguruma, whose \s is Unicode White_Space and whose tables are Unicode 16. JavaScript's \s differs
 * (it has U+FEFF, lacks U+0085), and Node's ICU may be newer. So we spell \s as \p{White_Space} and take the
 * Unicode 17 additions out of \p{L} and \p{N}: with that, every code point splits as in `tokenizers` 0.23
 * (checked against it over all of Unicode on Node 20 / Unicode 17).
 */

/**
 * Code points that Unicode 17 made letters or numbers but Oniguruma (Unicode 16, inside `tokenizers`) sees as
 * unassigned, hence as "other" symbols. Found by comparing our split with the Rust library's for every code point.
 */
const UNICODE_17_LETTERS_AND_NUMBERS = [
  "\\u{88F}", "\\u{C5C}", "\\u{CDC}", "\\u{A7CE}-\\u{A7CF}", "\\u{A7D2}", "\\u{A7D4}", "\\u{A7F1}",
  "\\u{10940}-\\u{10959}", "\\u{10EC5}-\\u{10EC7}", "\\u{11DB0}-\\u{11DDB}", "\\u{11DE0}-\\u{11DE9}",
  "\\u{16EA0}-\\u{16EB8}", "\\u{16EBB}-\\u{16ED3}", "\\u{16FF2}-\\u{16FF6}", "\\u{187F8}-\\u{187FF}",
  "\\u{18D09}-\\u{18D1E}", "\\u{18D80}-\\u{18DF2}", "\\u{1E6C0}-\\u{1E6DE}", "\\u{1E6E0}-\\u{1E6E2}",
  "\\u{1E6E4}-\\u{1E6E5}", "\\u{1E6E7}-\\u{1E6ED}", "\\u{1E6F0}-\\u{1E6F4}", "\\u{1E6FE}-\\u{1E6FF}",
  "\\u{2B73A}-\\u{2B73F}", "\\u{2CEA2}-\\u{2CEAD}", "\\u{323B0}-\\u{33479}",
].join("");

const late = `[${UNICODE_17_LETTERS_AND_NUMBERS}]`;
const letter = `[\\p{L}--${late}]`;
const number = `[\\p{N}--${late}]`;
const other = `[[^\\p{White_Space}\\p{L}\\p{N}]${late}]`;
const space = "\\p{White_Space}";

// The "v" flag (ES2024, Node >= 20) allows the class subtraction above.
const GPT2_SPLIT = new RegExp(
  `'s|'t|'re|'ve|'m|'ll|'d| ?${letter}+| ?${number}+| ?${other}+|${space}+(?!\\P{White_Space})|${space}+`,
  "gv",
);

/** The words of a text, in order; they concatenate back to the text (the pattern matches every character). */
export function preTokenize(text: string): string[] {
  return text.match(GPT2_SPLIT) ?? [];
}

/** A piece of input text: ordinary text to pre-tokenize, or the id of an added token found verbatim. */
export type Segment = string | number;

/**
 * Finds added tokens (our specials) in raw text, as Hugging Face does before normalizing and pre-tokenizing:
 * anywhere in the text, leftmost first, the longest when several start at the same place.
 */
export class AddedTokenSplitter {
  private readonly pattern: RegExp | null;
  private readonly idOf: Map<string, number>;

  constructor(tokens: ReadonlyArray<{ content: string; id: number }>) {
    this.idOf = new Map(tokens.map((t) => [t.content, t.id]));
    // Longest first, so that JS's first-alternative-wins gives leftmost-longest.
    const contents = [...this.idOf.keys()].sort((a, b) => b.length - a.length);
    const escaped = contents.map((c) => c.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&"));
    this.pattern = contents.length > 0 ? new RegExp(escaped.join("|"), "gu") : null;
  }

  /** The text cut into ordinary pieces (non-empty strings) and added-token ids, in order. */
  split(text: string): Segment[] {
    if (this.pattern === null || text.length === 0) return text.length === 0 ? [] : [text];
    const out: Segment[] = [];
    let last = 0;
    for (const m of text.matchAll(this.pattern)) {
      if (m.index > last) out.push(text.slice(last, m.index));
      out.push(this.idOf.get(m[0])!);
      last = m.index + m[0].length;
    }
    if (last < text.length) out.push(text.slice(last));
    return out;
  }
}
