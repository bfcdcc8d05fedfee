// Called by run.sh: times the wasm loop in this process and the AVX2 loop as a child process, in turn, ROUNDS
// times; prints one JSON line per round and the medians.
import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import v8 from "node:v8";

const [wasmFile, avxBinary, roundsArg] = process.argv.slice(2);
v8.setFlagsFromString("--experimental-wasm-relaxed-simd"); // Node 20; later engines have it on
const { instance } = await WebAssembly.instantiate(readFileSync(wasmFile));
const loop = instance.exports.fma_loop;
loop(1_000_000, 0.5); // tier up
const N = 50_000_000;
const wasm = () => {
  const t = performance.now();
  loop(N, 0.5);
  return (N * 12 * 4 * 2) / ((performance.now() - t) / 1000) / 1e9; // 12 FMAs × 4 lanes × 2 flops
};
const avx2 = () => Number(execFileSync(avxBinary, [String(N)], { encoding: "utf8" }));
const rows = [];
for (let r = 0; r < Number(roundsArg); r++) {
  const row = { wasm_gflops: wasm(), avx2_gflops: avx2() };
  row.ratio = row.wasm_gflops / row.avx2_gflops;
  rows.push(row);
  console.log(JSON.stringify(Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v.toFixed(3))]))));
}
const median = (k) => rows.map((x) => x[k]).sort((a, b) => a - b)[rows.length >> 1];
console.log(JSON.stringify({ median_wasm_gflops: median("wasm_gflops"), median_avx2_gflops: median("avx2_gflops"), median_ratio: median("ratio") }));
