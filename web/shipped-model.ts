/**
 * The shipped model (`<repo>/models/en-es/`) as part of the page, without a copy in web/public: the dev and preview
 * servers answer `<base>models/en-es/<file>` from that folder, and `vite build` copies the folder into the output at
 * `models/en-es/`, so that a static host of the build serves it beside the page.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Connect, Plugin } from "vite";

/** The folder's place under the page, and in the repository (the page fetches the same relative path). */
export const SHIPPED_MODEL_PATH = "models/en-es";

const TYPES: Record<string, string> = {
  ".json": "application/json",
  ".safetensors": "application/octet-stream",
  ".md": "text/markdown; charset=utf-8",
};

/**
 * A middleware for `prefix` + a file name in `dir`. Anything else under the prefix — a missing file, a subfolder, a
 * dot-file, a path that climbs out — is a 404, never the page: the page probes optional files (tokenizer.target.json,
 * scores.json) and must not take index.html for one of them.
 */
function serveFolder(dir: string, prefix: string, headers: Record<string, string>): Connect.NextHandleFunction {
  return (req, res, next) => {
    const pathname = new URL(req.url ?? "/", "http://x").pathname;
    if (!pathname.startsWith(prefix)) return next();
    let name = "";
    try {
      name = decodeURIComponent(pathname.slice(prefix.length));
    } catch {
      // a malformed escape names no file
    }
    const file = path.join(dir, name);
    const ok = (req.method === "GET" || req.method === "HEAD") && /^[^/\\.][^/\\]*$/.test(name) &&
      fs.existsSync(file) && fs.statSync(file).isFile();
    if (!ok) {
      res.writeHead(404, { ...headers, "Content-Type": "text/plain; charset=utf-8" });
      res.end(`not found: ${pathname}`);
      return;
    }
    res.writeHead(200, {
      ...headers,
      "Content-Type": TYPES[path.extname(name)] ?? "application/octet-stream",
      "Content-Length": String(fs.statSync(file).size),
      // the model can be replaced while the server runs (a new one is trained): always read it again
      "Cache-Control": "no-cache",
    });
    if (req.method === "HEAD") res.end();
    else fs.createReadStream(file).pipe(res);
  };
}

/**
 * Serves (dev, preview) or copies (build) `<repoRoot>/models/en-es/`. `headers` are the cross-origin isolation
 * headers the servers send with every other response: Vite adds them only to the responses it makes itself.
 */
export function shippedModel(repoRoot: string, headers: Record<string, string>): Plugin {
  const dir = path.join(repoRoot, SHIPPED_MODEL_PATH);
  let prefix = `/${SHIPPED_MODEL_PATH}/`;
  return {
    name: "shipped-model",
    configResolved(config) {
      // a relative base ("./") is served at "/" by the dev and preview servers
      const base = config.base.startsWith("/") ? config.base : "/";
      prefix = `${base}${SHIPPED_MODEL_PATH}/`;
    },
    configureServer(server) {
      server.middlewares.use(serveFolder(dir, prefix, headers));
    },
    configurePreviewServer(server) {
      server.middlewares.use(serveFolder(dir, prefix, headers));
    },
    writeBundle(options) {
      if (!options.dir) return;
      if (!fs.existsSync(dir)) {
        this.warn(`${dir} is absent: the build has no shipped model (the page will say so)`);
        return;
      }
      const out = path.join(options.dir, SHIPPED_MODEL_PATH);
      fs.rmSync(out, { recursive: true, force: true });
      fs.cpSync(dir, out, { recursive: true });
    },
  };
}
