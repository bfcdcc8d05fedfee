/**
 * A SentencePiece unigram model (a ".model" / ".spm" file, read by sentencepiece-file.ts) encoding text as
 * sentencepiece's SentencePieceProcessor::Encode does: normalization (normalizer.cc: the precompiled charsmap,
 * remove_extra_whitespaces, add_dummy_prefix, whitespace escaped as ▁), then the Viterbi segmentation (unigram.ts),
 * unknown runs merged into one <unk> piece, or spelled as <0xXX> byte pieces where the model has byte_fallback.
 * Browser-safe.
 */
import { TokenizerError } from "../errors.js";
import { PrecompiledCharsmap } from "./precompiled-charsmap.js";
import { PIECE_TYPE, UnigramLattice } from "./unigram.js";

export { PIECE_TYPE };

export interface SentencePieceSpec {
  pieces: { piece: string; score: number; type: number }[];
  byteFallback: boolean;
  addDummyPrefix: boolean;
  removeExtraWhitespaces: boolean;
  escapeWhitespaces: boolean;
  /** NormalizerSpec.precompiled_charsmap; empty: no normalization rules (identity). */
  charsmap: Uint8Array;
}

/** One piece of an encoding: its text (an unknown run's own text) and its id in the model. */
export interface EncodedPiece {
  piece: string;
  id: number;
}

/** The ▁ that stands for a space inside pieces. */
export const SPACE_SYMBOL = "\u2581";
const SPACE_BYTES = [0xe2, 0x96, 0x81];

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** UTF-8 length of the character at a lead byte, as sentencepiece's OneCharLen reads it. */
function oneCharLen(lead: number): number {
  return [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4][lead >> 4];
}

export class SentencePiece {
  readonly unkId: number;
  private readonly charsmap: PrecompiledCharsmap | null;
  private readonly lattice: UnigramLattice;
  private readonly idOf = new Map<string, number>();

  constructor(readonly spec: SentencePieceSpec, source: string) {
    const unk = spec.pieces.findIndex((p) => p.type === PIECE_TYPE.UNKNOWN);
    if (unk < 0) throw new TokenizerError(`${source}: no piece of type UNKNOWN (<unk>)`);
    this.unkId = unk;
    spec.pieces.forEach((p, id) => {
      if (p.type === PIECE_TYPE.USER_DEFINED) throw new TokenizerError(`${source}: piece ${id} ${JSON.stringify(p.piece)} is USER_DEFINED; user-defined symbols are not supported`);
      if (p.type === PIECE_TYPE.BYTE && !spec.byteFallback) throw new TokenizerError(`${source}: piece ${id} ${JSON.stringify(p.piece)} is a BYTE piece, but trainer_spec.byte_fallback is false`);
      if (!this.idOf.has(p.piece)) this.idOf.set(p.piece, id);
    });
    if (spec.byteFallback) {
      for (let b = 0; b < 256; b++) {
        if (!this.idOf.has(bytePiece(b))) throw new TokenizerError(`${source}: byte_fallback is true but piece ${bytePiece(b)} is missing`);
      }
    }
    this.charsmap = spec.charsmap.length > 0 ? new PrecompiledCharsmap(spec.charsmap, `${source} normalizer_spec`) : null;
    this.lattice = new UnigramLattice(spec.pieces, unk);
  }

  get vocabSize(): number {
    return this.spec.pieces.length;
  }

  pieceToId(piece: string): number | undefined {
    return this.idOf.get(piece);
  }

  /** The normalized text as UTF-8 bytes (normalizer.cc's Normalize): what the segmentation runs over. */
  normalize(text: string): Uint8Array {
    const input = encoder.encode(text);
    const out: number[] = [];
    const { removeExtraWhitespaces: removeExtra, escapeWhitespaces: escape } = this.spec;
    let at = 0;
    if (removeExtra) {
      // leading whitespace (after normalization) is dropped
      while (at < input.length) {
        const p = this.normalizePrefix(input, at);
        if (!(p.replacement.length === 1 && p.replacement[0] === 0x20)) break;
        at += p.length;
      }
    }
    if (at >= input.length) return new Uint8Array(0);
    if (this.spec.addDummyPrefix) out.push(...(escape ? SPACE_BYTES : [0x20]));
    let prevSpace = removeExtra;
    while (at < input.length) {
      const p = this.normalizePrefix(input, at);
      let r = p.replacement, from = 0;
      if (prevSpace) while (from < r.length && r[from] === 0x20) from++;
      if (from < r.length) {
        for (let i = from; i < r.length; i++) {
          if (escape && r[i] === 0x20) out.push(...SPACE_BYTES);
          else out.push(r[i]);
        }
        prevSpace = r[r.length - 1] === 0x20;
      }
      at += p.length;
      if (!removeExtra) prevSpace = false;
    }
    if (removeExtra) {
      const space = escape ? SPACE_BYTES : [0x20];
      while (out.length >= space.length && space.every((b, i) => out[out.length - space.length + i] === b)) out.length -= space.length;
    }
    return Uint8Array.from(out);
  }

  /** The pieces of a text, as SentencePieceProcessor::Encode gives them. */
  encode(text: string): EncodedPiece[] {
    const bytes = this.normalize(text);
    const out: EncodedPiece[] = [];
    for (const [start, end, id] of this.lattice.viterbi(bytes)) {
      const piece = decoder.decode(bytes.subarray(start, end));
      if (id !== this.unkId) {
        out.push({ piece, id });
      } else if (this.spec.byteFallback) {
        for (let i = start; i < end; i++) out.push({ piece: bytePiece(bytes[i]), id: this.idOf.get(bytePiece(bytes[i]))! });
      } else if (out.length > 0 && out[out.length - 1].id === this.unkId) {
        out[out.length - 1].piece += piece; // a run of unknown characters is one <unk>
      } else {
        out.push({ piece, id });
      }
    }
    return out;
  }

  /** normalizer.cc's NormalizePrefix: the longest rule at `at`, else the character there as it is. */
  private normalizePrefix(input: Uint8Array, at: number): { replacement: Uint8Array; length: number } {
    const match = this.charsmap?.longestMatch(input, at, input.length);
    if (match) return match;
    const length = Math.min(oneCharLen(input[at]), input.length - at);
    return { replacement: input.subarray(at, at + length), length };
  }
}

/** The byte piece of byte b: <0x0A>. */
export function bytePiece(b: number): string {
  return `<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`;
}
