/**
 * The best segmentation of a normalized text under a unigram language model: the Viterbi path of highest total
 * piece score, as sentencepiece's unigram Model::EncodeOptimized finds it (scores added in float32, as there; a
 * character no piece starts with becomes one <unk> node scored min score − 10; a later candidate replaces an
 * earlier one only when strictly better). Browser-safe.
 */
/** ModelProto.SentencePiece.Type. */
export const PIECE_TYPE = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;

/** unigram_model.cc's kUnkPenalty. */
const UNK_PENALTY = 10;

interface TrieNode {
  next: Map<number, TrieNode>;
  /** The piece ending here, or -1. */
  id: number;
}

const utf8 = new TextEncoder();

/** UTF-8 length of the character at a lead byte (sentencepiece's OneCharLen). */
function charLen(lead: number): number {
  return [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4][lead >> 4];
}

export class UnigramLattice {
  private readonly root: TrieNode = { next: new Map(), id: -1 };
  private readonly scores: Float32Array;
  private readonly unkScore: number;

  constructor(pieces: readonly { piece: string; score: number; type: number }[], private readonly unkId: number) {
    this.scores = Float32Array.from(pieces, (p) => p.score);
    let min = Infinity;
    pieces.forEach((p, id) => {
      if (p.type === PIECE_TYPE.NORMAL) min = Math.min(min, Math.fround(p.score));
      // the pieces a text can match: normal ones (user-defined ones are refused by the caller; unused ones are skipped)
      if (p.type !== PIECE_TYPE.NORMAL) return;
      let node = this.root;
      for (const b of utf8.encode(p.piece)) {
        let child = node.next.get(b);
        if (!child) node.next.set(b, (child = { next: new Map(), id: -1 }));
        node = child;
      }
      if (node.id < 0) node.id = id;
    });
    this.unkScore = Math.fround(min - UNK_PENALTY);
  }

  /** The best path over bytes: [start, end, id] per piece, in order. */
  viterbi(bytes: Uint8Array): [number, number, number][] {
    const n = bytes.length;
    const score = new Float32Array(n + 1);
    const from = new Int32Array(n + 1).fill(-1);
    const id = new Int32Array(n + 1).fill(-1);
    const offer = (end: number, start: number, piece: number, s: number) => {
      const total = Math.fround(s + score[start]);
      if (from[end] === -1 || total > score[end]) {
        score[end] = total;
        from[end] = start;
        id[end] = piece;
      }
    };
    for (let start = 0; start < n; ) {
      const mblen = Math.min(charLen(bytes[start]), n - start);
      let single = false;
      let node: TrieNode | undefined = this.root;
      for (let at = start; at < n; at++) {
        node = node.next.get(bytes[at]);
        if (!node) break;
        if (node.id < 0) continue;
        offer(at + 1, start, node.id, this.scores[node.id]);
        if (at + 1 - start === mblen) single = true;
      }
      if (!single) offer(start + mblen, start, this.unkId, this.unkScore);
      start += mblen;
    }
    const path: [number, number, number][] = [];
    for (let end = n; end > 0; end = from[end]) path.push([from[end], end, id[end]]);
    return path.reverse();
  }
}
