import type { Backend } from "../backend.js";
import { jsBackend } from "../js/index.js";
import { createDeviceBackend, type DeviceBackend } from "./backend.js";
import { isRef, type Device, type Ref } from "./device.js";

const VIEW = { f32: Float32Array, i32: Int32Array, u32: Uint32Array, u8: Uint8Array } as const;

/**
 * A device made of separate host memory running the reference kernels: what a GPU backend does with residency,
 * on the CPU and in a few microseconds a kernel. It exists to test the layers above against the device protocol:
 * with the Residency's checks on, any host read or write of an array that skipped toHost() fails (NaN, or a
 * thrown coherence error) instead of silently using a stale copy, as it would on a real GPU.
 */
export function createEmulatedDevice(): Device {
  const buffers = new Map<number, ArrayBuffer>();
  let next = 1;
  const get = (id: number): ArrayBuffer => {
    const b = buffers.get(id);
    if (!b) throw new Error(`emulated device: buffer ${id} was freed or never allocated`);
    return b;
  };
  const view = (r: Ref) => new VIEW[r.kind](get(r.id), r.offset * VIEW[r.kind].BYTES_PER_ELEMENT, r.length);
  const resolve = (x: unknown): unknown => {
    if (isRef(x)) return view(x);
    if (x && typeof x === "object" && !ArrayBuffer.isView(x) && !Array.isArray(x)) {
      return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, isRef(v) ? view(v) : v]));
    }
    return x;
  };
  return {
    name: "js-device",
    alloc(bytes) {
      const id = next++;
      buffers.set(id, new ArrayBuffer(bytes));
      return id;
    },
    free(id) {
      buffers.delete(id);
    },
    upload(id, bytes) {
      new Uint8Array(get(id)).set(bytes);
    },
    download(id, into) {
      into.set(new Uint8Array(get(id)));
    },
    run(kernel, args) {
      const fn = (jsBackend as unknown as Record<string, (...a: unknown[]) => unknown>)[kernel];
      if (typeof fn !== "function") throw new Error(`emulated device: no kernel ${kernel}`);
      fn(...args.map(resolve));
    },
    sync() {},
    memory() {
      let bytes = 0;
      for (const b of buffers.values()) bytes += b.byteLength;
      return { buffers: buffers.size, bytes, free: 0 };
    },
    dispose() {
      buffers.clear();
    },
  };
}

/** The reference kernels behind the device protocol, with the coherence checks on (TRANSFORMER_BACKEND=js-device). */
export function createEmulatedBackend(): DeviceBackend & Backend {
  return createDeviceBackend(createEmulatedDevice(), { check: true });
}
