/**
 * tokenizer.json (Hugging Face tokenizers' format, which transformers.js reads) for a Marian folder's source side:
 * source.spm's unigram model over vocab.json's ids, as transformers' SpmConverter lays a SentencePiece model out
 * (the Precompiled normalizer from the model's charsmap, runs of spaces collapsed, Metaspace "▁" prepended and split
 * on, </s> appended), which transformers.js's MarianTokenizer reads.
 *
 * Not exactly MarianTokenizer, in general: one tokenizer.json serves transformers.js both for encoding the source
 * and for decoding the target, so its vocabulary holds every vocab.json piece at its id, including those source.spm
 * lacks (target-side pieces of a joint vocabulary). A one-character one gets sentencepiece's unknown-character score
 * (it is what source.spm sees as unknown, and vocab.json's lookup of that text gives its id); a longer one a score
 * so low that no segmentation takes it. What still differs from sentencepiece + vocab.json: a run of unknown
 * characters is one piece there (<unk> unless vocab.json has its text), each character's piece here; the lowest
 * score moves <unk>'s, which changes a segmentation only where a character source.spm lacks sits inside one of its
 * longer pieces; a source.spm piece missing from vocab.json (MarianTokenizer's <unk>) cannot be a lattice node; a
 * leading language code vocab.json lacks is <unk> there, pieces here. Exact would take a model type tokenizers does
 * not have (sentencepiece's lattice over source.spm, then the vocab.json lookup of each piece's text); transformers
 * itself has no fast MarianTokenizer. transformers.js 4.3.2 adds its own differences: its Precompiled normalizer is
 * NFKC and a fixed table rather than the model's charsmap, and its MarianTokenizer's language-code handling is not
 * reached (its codes are added tokens here).
 */
import { ExportError } from "../errors.js";
import type { SentencePiece } from "../tokenizer/sentencepiece.js";
import { SPACE_SYMBOL } from "../tokenizer/sentencepiece.js";

/** The score of a longer vocab.json piece that source.spm lacks: below any path of real pieces through a word. */
const ABSENT_SCORE = -1e4;
/** sentencepiece's penalty for an unknown character below the lowest piece score (unigram_model.cc's kUnkPenalty). */
const UNK_PENALTY = 10;

export interface MarianSpecialTokens {
  eos: { id: number; token: string };
  unk: { id: number; token: string };
  pad: { id: number; token: string };
}

/** base64 of bytes (Buffer in Node, btoa elsewhere). */
function base64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

/** tokenizer.json for source.spm (`spm`) over vocab.json (`vocab`: piece → id); `source` names the folder in errors. */
export function marianTokenizerJson(spm: SentencePiece, vocab: ReadonlyMap<string, number>, specials: MarianSpecialTokens, source: string): Record<string, unknown> {
  const s = spm.spec;
  for (const [flag, value] of [["add_dummy_prefix", s.addDummyPrefix], ["remove_extra_whitespaces", s.removeExtraWhitespaces], ["escape_whitespaces", s.escapeWhitespaces]] as const) {
    if (!value) throw new ExportError(`${source}: source.spm's normalizer_spec.${flag} is false; tokenizer.json is written only for SentencePiece's default whitespace handling`);
  }
  // a one-character piece source.spm lacks is what sentencepiece sees as an unknown character, scored as that; its
  // text is then looked up in vocab.json, which gives this piece's id: the same id, from the same segmentation
  const unkScore = Math.min(...s.pieces.filter((p) => p.type === 1).map((p) => p.score)) - UNK_PENALTY;
  const pieces: Array<[string, number]> = [];
  for (const [piece, id] of vocab) pieces[id] = [piece, [...piece].length === 1 ? unkScore : ABSENT_SCORE];
  for (let id = 0; id < pieces.length; id++) if (!pieces[id]) throw new ExportError(`${source}: vocab.json has no piece with id ${id}`);
  for (const p of s.pieces) {
    const id = vocab.get(p.piece);
    if (id !== undefined && p.type === 1) pieces[id] = [p.piece, p.score]; // NORMAL pieces: specials are added tokens below
  }
  const added = [specials.eos, specials.unk, specials.pad].map(({ id, token }) => {
    pieces[id] = [token, 0];
    return { id, content: token, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
  });
  // a leading >>xx<< language code is one token in MarianTokenizer (transformers.js's override of that is not
  // reached in 4.3.2): vocab.json's codes as added tokens (anywhere in a text, not only first; an unknown code splits)
  for (const [piece, id] of vocab) {
    if (/^>>[^<>\s]+<<$/.test(piece)) added.push({ id, content: piece, single_word: false, lstrip: false, rstrip: false, normalized: false, special: false });
  }
  // sentencepiece's remove_extra_whitespaces: the ends stripped, runs of spaces one
  const whitespace = [{ type: "Strip", strip_left: true, strip_right: true }, { type: "Replace", pattern: { Regex: " {2,}" }, content: " " }];
  const metaspace = { type: "Metaspace", replacement: SPACE_SYMBOL, prepend_scheme: "always", split: true };
  const eos = { id: specials.eos.token, type_id: 0 };
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: added.sort((a, b) => a.id - b.id),
    normalizer: { type: "Sequence", normalizers: [...(s.charsmap.length > 0 ? [{ type: "Precompiled", precompiled_charsmap: base64(s.charsmap) }] : []), ...whitespace] },
    pre_tokenizer: metaspace,
    post_processor: {
      type: "TemplateProcessing",
      single: [{ Sequence: { id: "A", type_id: 0 } }, { SpecialToken: eos }],
      pair: [{ Sequence: { id: "A", type_id: 0 } }, { Sequence: { id: "B", type_id: 0 } }, { SpecialToken: eos }],
      special_tokens: { [specials.eos.token]: { id: specials.eos.token, ids: [specials.eos.id], tokens: [specials.eos.token] } },
    },
    decoder: metaspace,
    model: { type: "Unigram", unk_id: specials.unk.id, vocab: pieces, byte_fallback: s.byteFallback },
  };
}
