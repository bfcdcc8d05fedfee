/**
 * SentencePiece's compiled normalization rules (NormalizerSpec.precompiled_charsmap: nmt_nfkc, nfkc, ...): a
 * darts-clone double-array trie over UTF-8 byte strings whose values are offsets into a blob of NUL-terminated
 * replacement strings. Layout: a little-endian uint32 with the trie's size in bytes, the trie (uint32 units), then
 * the strings. Written here (no npm package reads this format) after sentencepiece's normalizer.cc and
 * darts-clone's DoubleArray::commonPrefixSearch. Browser-safe.
 */
import { TokenizerError } from "../errors.js";

/** The trie results a lookup considers, as normalizer.cc's stack array holds them. */
const MAX_TRIE_RESULTS = 32;

export class PrecompiledCharsmap {
  private readonly units: Uint32Array;
  private readonly strings: Uint8Array;

  constructor(blob: Uint8Array, source: string) {
    if (blob.length < 4) throw new TokenizerError(`${source}: precompiled_charsmap has ${blob.length} bytes; expected at least 4 (its trie size)`);
    const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
    const trieSize = view.getUint32(0, true);
    if (trieSize % 4 !== 0 || 4 + trieSize > blob.length) {
      throw new TokenizerError(`${source}: precompiled_charsmap's trie size ${trieSize} does not fit its ${blob.length} bytes`);
    }
    this.units = new Uint32Array(trieSize / 4);
    for (let i = 0; i < this.units.length; i++) this.units[i] = view.getUint32(4 + 4 * i, true);
    this.strings = blob.subarray(4 + trieSize);
  }

  /**
   * The longest rule matching a prefix of bytes[start..end): its replacement and the bytes it consumes; null
   * when no rule matches there (darts' commonPrefixSearch, the longest of its first 32 results).
   */
  longestMatch(bytes: Uint8Array, start: number, end: number): { replacement: Uint8Array; length: number } | null {
    const units = this.units, strings = this.strings;
    if (units.length === 0) return null;
    let id = offsetOf(units[0]);
    let found = 0, bestLength = 0, bestValue = 0;
    for (let i = start; i < end; i++) {
      const c = bytes[i];
      id ^= c;
      if (id >= units.length) return pick();
      const unit = units[id];
      if (labelOf(unit) !== c) return pick();
      id ^= offsetOf(unit);
      if (hasLeaf(unit)) {
        if (found < MAX_TRIE_RESULTS && id < units.length) {
          const length = i + 1 - start;
          if (bestLength === 0 || length > bestLength) {
            bestLength = length;
            bestValue = units[id] & 0x7fffffff; // the leaf's value
          }
        }
        found++;
      }
    }
    return pick();

    function pick() {
      return bestLength === 0 ? null : { replacement: stringAt(bestValue), length: bestLength };
    }
    function stringAt(offset: number): Uint8Array {
      let stop = offset;
      while (stop < strings.length && strings[stop] !== 0) stop++;
      return strings.subarray(offset, stop);
    }
  }
}

function hasLeaf(unit: number): boolean {
  return ((unit >>> 8) & 1) === 1;
}
function labelOf(unit: number): number {
  return (unit & (0x80000000 | 0xff)) >>> 0;
}
function offsetOf(unit: number): number {
  return (unit >>> 10) << ((unit & (1 << 9)) >>> 6);
}
