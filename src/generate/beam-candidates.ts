/** What both beam searches (beam.ts, beam-huggingface.ts) rank: beams, their one-token extensions, the best of them. */
/** A live hypothesis: its input, its generated tokens, and their log P. */
export interface Beam {
  input: number;
  tokens: number[];
  logProb: number;
}

/** An extension of a beam by one token. */
export interface Candidate {
  total: number; // the beam's log P plus the token's log p
  row: number; // the decoder row of the beam it extends
  token: number;
}

/**
 * The `m` best (row, token) extensions of rows start..end-1, highest total first; among equal totals the
 * earlier row, then the lower token id (so that one beam reproduces greedy search's choices exactly).
 */
export function bestCandidates(logp: Float32Array, V: number, beams: Beam[], start: number, end: number, m: number): Candidate[] {
  const best: Candidate[] = [];
  for (let row = start; row < end; row++) {
    const base = beams[row].logProb;
    const off = row * V;
    for (let token = 0; token < V; token++) {
      const total = base + logp[off + token];
      if (best.length === m && !(total > best[m - 1].total)) continue;
      let at = best.length === m ? m - 1 : best.length;
      if (best.length === m) best.pop();
      while (at > 0 && total > best[at - 1].total) at--;
      best.splice(at, 0, { total, row, token });
    }
  }
  return best;
}
