/** Whether this is Node.js (worker_threads, node:os, process.env) rather than a browser. */
export function isNode(): boolean {
  return typeof process !== "undefined" && typeof process.versions?.node === "string";
}
