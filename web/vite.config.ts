/**
 * Vite config of the page (`npm run web`). The page imports the library from ../src directly, so the browser runs
 * the same model code as Node. Every response carries the cross-origin isolation headers (COOP/COEP): without them
 * a browser refuses SharedArrayBuffer, which the WebAssembly backend's shared memory needs. The shipped model is
 * served from the repository's models/en-es/ and copied into the build (shipped-model.ts).
 */
import { fileURLToPath } from "node:url";
import { type Plugin, defineConfig } from "vite";
import { shippedModel } from "./shipped-model.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const repoRoot = fileURLToPath(new URL("..", import.meta.url));

/** Cross-origin isolation: lets the page's workers create shared WebAssembly memory. */
export const ISOLATION_HEADERS = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
  "Cross-Origin-Resource-Policy": "same-origin",
};

const port = Number(process.env.PORT) || 5173;

/**
 * The library's WebAssembly backend imports Node built-ins (node:worker_threads, node:os, node:v8) dynamically and
 * only when it runs under Node. In the page those imports are never reached, so they resolve to an empty module
 * (instead of Vite's browser-external shim and its warning on every build).
 */
function unreachedNodeBuiltins(): Plugin {
  const prefix = "\0unreached-node-builtin:";
  return {
    name: "unreached-node-builtins",
    enforce: "pre",
    resolveId: (id) => (id.startsWith("node:") ? prefix + id : null),
    load: (id) => (id.startsWith(prefix) ? "export {};" : null),
  };
}

export default defineConfig({
  root: here,
  base: "./",
  // not a single-page app: a missing file (the optional tokenizer.target.json) must be a 404, not index.html with 200
  appType: "mpa",
  server: { host: "127.0.0.1", port, strictPort: true, headers: ISOLATION_HEADERS },
  preview: { host: "127.0.0.1", port, strictPort: true, headers: ISOLATION_HEADERS },
  // the shipped model (models/en-es/ of the repository) at models/en-es/ beside the page
  plugins: [unreachedNodeBuiltins(), shippedModel(repoRoot, ISOLATION_HEADERS)],
  worker: { format: "es", plugins: () => [unreachedNodeBuiltins()] },
  build: { target: "es2022", outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 2000 },
});
