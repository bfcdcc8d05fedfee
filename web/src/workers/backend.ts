/**
 * Picks the kernels a worker runs on. The WebAssembly SIMD backend needs a shared WebAssembly.Memory, which a
 * browser gives only to cross-origin isolated pages (COOP/COEP headers, sent by web/vite.config.ts); without it,
 * or where the engine lacks SIMD, the worker stays on the plain-JS reference backend.
 */
import { setBackend } from "../../../src/backend/index.js";
import { createWasmBackend } from "../../../src/backend/wasm/index.js";
import type { BackendInfo, BackendParams } from "../protocol.js";

export async function chooseBackend(p: BackendParams): Promise<BackendInfo> {
  if (p.backend === "js") return { name: "js", threads: 1, note: "chosen with ?backend=js" };
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  let why: string;
  if (!isolated) {
    why = "the page is not cross-origin isolated (serve it with COOP/COEP headers), so WebAssembly shared memory is unavailable";
  } else {
    try {
      const wasm = await createWasmBackend({ threads: p.threads });
      setBackend(wasm);
      return { name: wasm.name, threads: wasm.threads, note: wasm.relaxed ? "WebAssembly SIMD with relaxed fused multiply-add" : "WebAssembly SIMD" };
    } catch (e) {
      why = `WebAssembly backend failed to load: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
  if (p.backend === "wasm") throw new Error(why);
  return { name: "js", threads: 1, note: why };
}
