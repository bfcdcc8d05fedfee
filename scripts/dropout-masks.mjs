#!/usr/bin/env node
/**
 * Are our dropout masks what dropout assumes — independent Bernoulli(1 − p) keeps? Draws 2^20-element masks from
 * the backend's counter-hash kernel (Backend.dropout) and prints the keep rate, P(drop at i+k | drop at i) for lags
 * up to 65,536 (independent: p), the agreement of consecutive masks, and the run lengths of drops (geometric: each
 * about p times the one before). Run after `npm run build`:
 *
 *   node scripts/dropout-masks.mjs [--backend js|wasm|native] [--p 0.1]
 */
import { parseArgs } from "node:util";
import { backend as B } from "../dist/src/node.js";
import { useBackend } from "../dist/src/backend/select.js";
import { Rng } from "../dist/src/tensor/random.js";

const { values: a } = parseArgs({ options: { backend: { type: "string" }, p: { type: "string", default: "0.1" } } });
await useBackend(a.backend, 1);
const be = B.backend();
const n = 1 << 20;
const p = Number(a.p);
const rng = new Rng(1);
const masks = Array.from({ length: 3 }, () => {
  const x = new Float32Array(n).fill(1);
  const keep = new Uint8Array(n);
  be.dropout(x, new Float32Array(n), keep, n, p, rng.dropoutKey());
  return keep;
});
const [k] = masks;
const dropAfterDrop = (a, b, lag) => {
  let drops = 0, both = 0;
  for (let i = 0; i + lag < n; i++) if (!a[i]) { drops++; if (!b[i + lag]) both++; }
  return (both / drops).toFixed(4);
};
console.log(`backend ${be.name}, p ${p}, ${n} elements`);
console.log(`keep rate ${(k.reduce((s, v) => s + (v ? 1 : 0), 0) / n).toFixed(5)} (expected ${1 - p})`);
for (const lag of [1, 2, 3, 4, 8, 16, 64, 256, 1024, 4096, 65536]) console.log(`P(drop at i+${lag} | drop at i) ${dropAfterDrop(k, k, lag)}`);
console.log(`P(dropped in the next mask | dropped in this one) ${dropAfterDrop(masks[0], masks[1], 0)}, ${dropAfterDrop(masks[1], masks[2], 0)}`);
const runs = new Map();
let r = 0;
for (let i = 0; i < n; i++) {
  if (!k[i]) r++;
  else if (r) { runs.set(r, (runs.get(r) ?? 0) + 1); r = 0; }
}
console.log(`runs of drops by length: ${[...runs].sort((x, y) => x[0] - y[0]).slice(0, 6).map(([l, c]) => `${l}: ${c}`).join(", ")}`);
