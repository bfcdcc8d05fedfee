/** Whether this is Node.js (worker_threads, node:os, process.env) rather than a browser. */
export function isNode(): boolean {
  return typeof process !== "undefined" && typeof process.versions?.node === "string";
}

/** Whether this thread may block in Atomics.wait (not a browser's main thread). */
export function canBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}
