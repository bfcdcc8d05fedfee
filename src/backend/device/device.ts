/**
 * A device: memory the host cannot index (a GPU's, or the emulation's), and the Backend's kernels run on it.
 * The device backend (./backend.ts) keeps each host array's device copy and decides when to copy; a device only
 * holds buffers by id, copies whole buffers in and out, and runs a kernel on its own copies.
 */

/** Element types a kernel argument can have; each is `length` elements starting `offset` elements into buffer `id`. */
export type RefKind = "f32" | "i32" | "u32" | "u8";

/** A kernel argument that lives on the device: the stand-in for a host typed array in the arguments given to run(). */
export interface Ref {
  readonly ref: true;
  readonly id: number;
  readonly kind: RefKind;
  readonly offset: number;
  readonly length: number;
}

export function isRef(x: unknown): x is Ref {
  return typeof x === "object" && x !== null && (x as Ref).ref === true;
}

/** Buffers a device holds: in use or free for reuse, and their bytes. */
export interface DeviceMemory {
  buffers: number;
  bytes: number;
  free: number;
  /** A GPU's compiled kernels (pipelines), which it keeps for reuse. */
  pipelines?: number;
}

export interface Device {
  /** What commands print: the device and, for a GPU, its adapter. */
  readonly name: string;
  readonly adapter?: { vendor: string; architecture: string; description: string; software: boolean };
  /** A new buffer of `bytes` bytes (contents undefined); returns its id. */
  alloc(bytes: number): number;
  free(id: number): void;
  /** Copies `bytes` into buffer `id` from its start (the caller may reuse `bytes` at once). */
  upload(id: number, bytes: Uint8Array): void;
  /** Copies buffer `id` into `into`, waiting for every kernel before it: the one place the host waits. */
  download(id: number, into: Uint8Array): void;
  /**
   * Runs Backend method `kernel` with `args`, its argument list with every typed array replaced by a Ref (in
   * objects one level down too). Kernels run in the order they are given.
   */
  run(kernel: string, args: unknown[]): void;
  /** Waits for everything given so far; throws the first error the device reported. */
  sync(): void;
  /**
   * Optional: the memory the device itself holds, after everything given so far (a GPU's pool keeps freed buffers
   * for reuse, so this is at least what the host's copies account for). Tests use it to see memory stay flat.
   */
  memory?(): DeviceMemory;
  dispose(): void;
}
