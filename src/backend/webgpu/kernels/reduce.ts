/**
 * Workgroup reductions for the row kernels: one 128-thread workgroup a row, each thread folding a strided share
 * of the row, then a fixed tree over the 128 partials. The order depends only on the row's length, so every run
 * gives the same bits (no atomics).
 */
export const ROW_THREADS = 128;

export const REDUCE = /* wgsl */ `
const T: u32 = ${ROW_THREADS}u;
var<workgroup> red: array<f32, ${ROW_THREADS}>;
var<workgroup> red2: array<f32, ${ROW_THREADS}>;
fn reduce_sum(li: u32, v: f32) -> f32 {
  red[li] = v;
  workgroupBarrier();
  for (var s = T / 2u; s > 0u; s >>= 1u) {
    if (li < s) { red[li] = red[li] + red[li + s]; }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}
fn reduce_max(li: u32, v: f32) -> f32 {
  red[li] = v;
  workgroupBarrier();
  for (var s = T / 2u; s > 0u; s >>= 1u) {
    if (li < s) { red[li] = max(red[li], red[li + s]); }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}
// two sums at once
fn reduce_sum2(li: u32, v: vec2<f32>) -> vec2<f32> {
  red[li] = v.x;
  red2[li] = v.y;
  workgroupBarrier();
  for (var s = T / 2u; s > 0u; s >>= 1u) {
    if (li < s) { red[li] = red[li] + red[li + s]; red2[li] = red2[li] + red2[li + s]; }
    workgroupBarrier();
  }
  let r = vec2<f32>(red[0], red2[0]);
  workgroupBarrier();
  return r;
}`;
