import type { Device, Ref, RefKind } from "./device.js";

/** A host typed array a kernel may take. */
export type HostView = Float32Array | Int32Array | Uint32Array | Uint8Array;

/**
 * How a kernel uses an argument: "r" reads it; "rw" reads and writes it; "w" writes some of its elements (the rest
 * must survive, so the device copy has to be current first); "o" overwrites every element of the view.
 */
export type Access = "r" | "rw" | "w" | "o";

/** The device copy of one host ArrayBuffer, and which of the two copies holds the current values. */
interface Copy {
  readonly id: number;
  readonly bytes: number;
  host: boolean;
  device: boolean;
}

export interface ResidencyStats {
  /** Device buffers alive, and their bytes. */
  buffers: number;
  bytes: number;
  uploads: number;
  uploadBytes: number;
  downloads: number;
  downloadBytes: number;
  kernels: number;
}

const KINDS: Array<[new (...a: never[]) => HostView, RefKind]> = [
  [Float32Array, "f32"], [Int32Array, "i32"], [Uint32Array, "u32"], [Uint8Array, "u8"],
];

function kindOf(a: HostView): RefKind {
  for (const [ctor, kind] of KINDS) if (a instanceof ctor) return kind;
  throw new TypeError(`device backend: a kernel argument is a ${(a as object).constructor.name}, not a Float32Array, Int32Array, Uint32Array or Uint8Array`);
}

/**
 * Which copy of each host array is current, host or device, and the copies between them: a two-state coherence
 * protocol per ArrayBuffer (every view of a buffer shares its device copy, so subarrays and slab views work as they
 * are). A kernel that reads an array gets the device copy refreshed first if the host's is newer; one that writes
 * it leaves the host's stale; the host reads or writes an array only after toHost(), which refreshes the host copy
 * if the device's is newer and then counts the device copy stale (the host may write). A device copy is freed when
 * its host buffer is garbage collected, so device memory follows the host's.
 *
 * With `check` (the emulated device in tests), two coherence bugs fail loudly instead of giving wrong numbers: a
 * stale host copy is filled with 0xff bytes (NaN, −1, 255), so a read that skipped toHost() sees them; and before a
 * kernel reads a buffer whose two copies are both said current they are compared, so a host write that skipped
 * toHost() throws, as does a host write into a stale (still poisoned) copy.
 */
export class Residency {
  private readonly copies = new WeakMap<ArrayBufferLike, Copy>();
  private readonly finalizer: FinalizationRegistry<{ id: number; bytes: number }>;
  private readonly counts: ResidencyStats = { buffers: 0, bytes: 0, uploads: 0, uploadBytes: 0, downloads: 0, downloadBytes: 0, kernels: 0 };

  constructor(private readonly device: Device, private readonly check: boolean) {
    this.finalizer = new FinalizationRegistry(({ id, bytes }) => {
      this.counts.buffers--;
      this.counts.bytes -= bytes;
      device.free(id);
    });
  }

  /** The Ref a kernel gets for host array `a`, after the copy its access needs. */
  acquire(a: HostView, access: Access): Ref {
    const buffer = a.buffer;
    let c = this.copies.get(buffer);
    if (!c) {
      c = { id: this.device.alloc(buffer.byteLength), bytes: buffer.byteLength, host: true, device: false };
      this.copies.set(buffer, c);
      this.finalizer.register(buffer, { id: c.id, bytes: c.bytes });
      this.counts.buffers++;
      this.counts.bytes += c.bytes;
    }
    if (!c.device) {
      const whole = a.byteOffset === 0 && a.byteLength === buffer.byteLength;
      if (!(access === "o" && whole)) this.upload(c, buffer);
      c.device = true;
    } else if (this.check) {
      if (c.host) this.compare(c, buffer);
      else this.stillPoisoned(c, buffer);
    }
    if (access !== "r") {
      c.host = false;
      if (this.check) new Uint8Array(buffer).fill(0xff);
    }
    const size = a.BYTES_PER_ELEMENT;
    return { ref: true, id: c.id, kind: kindOf(a), offset: a.byteOffset / size, length: a.length };
  }

  /** Makes the host copy of a's buffer current; the host may then read and write it. */
  toHost(a: ArrayBufferView): void {
    const c = this.copies.get(a.buffer);
    if (!c) return;
    if (!c.host) {
      this.device.download(c.id, new Uint8Array(a.buffer));
      this.counts.downloads++;
      this.counts.downloadBytes += c.bytes;
      c.host = true;
    }
    c.device = false;
  }

  kernel(): void {
    this.counts.kernels++;
  }

  stats(): ResidencyStats {
    return { ...this.counts };
  }

  private upload(c: Copy, buffer: ArrayBufferLike): void {
    this.device.upload(c.id, new Uint8Array(buffer));
    this.counts.uploads++;
    this.counts.uploadBytes += c.bytes;
  }

  /** A stale host copy is still all 0xff: nothing wrote it without toHost() first. */
  private stillPoisoned(c: Copy, buffer: ArrayBufferLike): void {
    const host = new Uint8Array(buffer);
    for (let i = 0; i < host.length; i++) {
      if (host[i] !== 0xff) {
        throw new Error(`device backend: the host wrote byte ${i} of a ${c.bytes}-byte array whose current values were on the device, without toHost() first (a coherence bug)`);
      }
    }
  }

  private compare(c: Copy, buffer: ArrayBufferLike): void {
    const deviceBytes = new Uint8Array(c.bytes);
    this.device.download(c.id, deviceBytes);
    const host = new Uint8Array(buffer);
    for (let i = 0; i < host.length; i++) {
      if (host[i] !== deviceBytes[i]) {
        throw new Error(`device backend: the host wrote byte ${i} of a ${c.bytes}-byte array that a kernel then read, without toHost() first (a coherence bug)`);
      }
    }
  }
}
