/**
 * What the browser tests need besides the page: Chromium, a production build of the page in a temp folder, and a
 * static server that sends the cross-origin isolation headers (as `npm run web` does).
 */
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (this file runs as dist/test/web/harness.js). */
export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Flags for a quiet, sandbox-less headless Chromium in a container. */
export const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--no-first-run", "--disable-background-networking", "--disable-component-update",
  "--disable-sync", "--disable-gpu",
];

/** Why the browser tests cannot run here, or null when they can. */
export function chromiumMissing(): string | null {
  if (fs.existsSync(CHROMIUM)) return null;
  return `${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium) or set CHROMIUM_PATH`;
}

/** A port free on 127.0.0.1 now (for a server that must be told its port). */
export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Builds the page with Vite (web/vite.config.ts) into `outDir`, writing nothing into the repository. */
export async function buildPage(outDir: string, cacheDir: string): Promise<void> {
  const { build } = await import("vite");
  await build({
    configFile: path.join(ROOT, "web", "vite.config.ts"),
    configLoader: "runner",
    cacheDir,
    logLevel: "warn",
    build: { outDir, emptyOutDir: true },
  });
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css", ".json": "application/json",
  ".svg": "image/svg+xml", ".png": "image/png", ".wasm": "application/wasm", ".safetensors": "application/octet-stream",
  ".md": "text/markdown; charset=utf-8", ".mjs": "text/javascript", ".onnx": "application/octet-stream",
};

const ISOLATION = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
  "Cross-Origin-Resource-Policy": "same-origin",
};

/** Where the page finds the shipped model (the build holds a copy of the repository's models/en-es/ there). */
export const SHIPPED_PATH = "/models/en-es/";

export interface PageServer {
  url: string;
  /**
   * What is served at SHIPPED_PATH: undefined, the build's own copy of the shipped model; a folder, that folder
   * instead; null, nothing (404 there, as for a page built without a shipped model).
   */
  model: string | null | undefined;
  close(): Promise<void>;
}

function serveFile(res: http.ServerResponse, file: string, head: boolean): void {
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
    res.writeHead(404, { ...ISOLATION, "Content-Type": "text/plain" });
    res.end("not found");
    return;
  }
  res.writeHead(200, { ...ISOLATION, "Content-Type": TYPES[path.extname(file)] ?? "application/octet-stream", "Cache-Control": "no-store" });
  res.end(head ? undefined : fs.readFileSync(file));
}

/** A static server on 127.0.0.1 (a free port) for a built page. */
export async function servePage(root: string): Promise<PageServer> {
  const state: PageServer = { url: "", model: undefined, close: async () => {} };
  const server = http.createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    const head = req.method === "HEAD";
    if (pathname.startsWith(SHIPPED_PATH) && state.model !== undefined) {
      if (state.model === null) serveFile(res, "", head);
      else serveFile(res, path.join(state.model, path.basename(pathname)), head);
      return;
    }
    const file = path.join(root, pathname.endsWith("/") ? pathname + "index.html" : pathname);
    serveFile(res, file.startsWith(root) ? file : "", head);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  state.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return state;
}

/**
 * A static server on 127.0.0.1 (a free port) of several folders, each under its URL prefix ("/ort/" → a folder),
 * with the isolation headers; "/" answers an empty page, for a test that drives everything from page.evaluate.
 */
export async function serveFolders(routes: Record<string, string>): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    const head = req.method === "HEAD";
    if (pathname === "/") {
      res.writeHead(200, { ...ISOLATION, "Content-Type": TYPES[".html"] });
      res.end(head ? undefined : "<!doctype html><meta charset=utf-8><title>test</title>");
      return;
    }
    const prefix = Object.keys(routes).find((p) => pathname.startsWith(p));
    const root = prefix === undefined ? "" : path.resolve(routes[prefix]);
    const file = prefix === undefined ? "" : path.join(root, pathname.slice(prefix.length));
    serveFile(res, file.startsWith(root + path.sep) ? file : "", head);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
