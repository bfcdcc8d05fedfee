/**
 * The kernels a measurement ran on, as the bench and conformance commands put it beside their numbers: the line
 * describeBackend prints (name, threads, adapter), and for a GPU backend its adapter as an object, so that a JSON
 * report from a GPU machine says which GPU, and whether it was a software one (SwiftShader), without parsing a line.
 */
import type { Backend } from "../backend/backend.js";
import { describeBackend } from "../backend/describe.js";
import type { Device } from "../backend/device/device.js";
import { backend } from "../backend/index.js";

/** The adapter a WebGPU backend got (the worker's AdapterReport; `device` where the implementation names one). */
export type AdapterInfo = NonNullable<Device["adapter"]> & { device?: string };

export interface RanOn {
  backend: string;
  adapter?: AdapterInfo;
}

export function ranOn(b: Backend = backend()): RanOn {
  const adapter = (b as Backend & { adapter?: AdapterInfo }).adapter;
  return adapter ? { backend: describeBackend(b), adapter: { ...adapter } } : { backend: describeBackend(b) };
}
