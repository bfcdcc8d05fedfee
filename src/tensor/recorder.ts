/**
 * A recorder receives the intermediate values of one forward pass by name, for explanation
 * (src/inspect/explain.ts): an optional argument of the ops and layers that have such values, passed down the
 * way keepWeights is. Absent (the default), nothing is copied or named: each hook is one `if (rec)`.
 * `data` may be overwritten after the call (attention's scores become its weights in place), so a recorder that
 * keeps a value copies it. Names are paths like the parameters' (`transformer.encoder.layers.0.self_attn.q`).
 */
export type Recorder = (name: string, data: Float32Array, shape: readonly number[]) => void;

/** A recorder that files every name under `prefix.`; none stays none. */
export function scopedRecorder(rec: Recorder | undefined, prefix: string): Recorder | undefined {
  return rec && ((name, data, shape) => rec(`${prefix}.${name}`, data, shape));
}
