/**
 * The HTTP server. Node's own `http` is enough here: its headersTimeout/requestTimeout bound slow clients,
 * bodies are read as a stream we can cut at a limit, server-sent events are plain writes, and five routes need
 * no router. A framework would add a dependency without taking away any of the code that matters (batching,
 * limits, errors in one line).
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { OptionError, TransformerError } from "../errors.js";
import type { InferenceParts } from "../run/index.js";
import { bearerCheck } from "./auth.js";
import { Batcher } from "./batcher.js";
import { readJson } from "./body.js";
import { HttpError } from "./http-error.js";
import { type ServeLimits, resolveLimits } from "./limits.js";
import { Metrics } from "./metrics.js";
import { jsonNameOf } from "./names.js";
import { MODEL_ROUTES, type ModelRoute, type RouteContext, classifyRoute, requireArchitecture, textRoute } from "./routes.js";

export interface ServeOptions extends Partial<ServeLimits> {
  /** @default "127.0.0.1" (loopback only) */
  host?: string;
  /** 0 picks a free port. @default 8080 */
  port?: number;
  /** Every route but /healthz requires `Authorization: Bearer <apiKey>`. @default none */
  apiKey?: string;
  /** Where unexpected errors (bugs) are reported with their stacks. @default stderr */
  log?: (line: string) => void;
}

export interface RunningServer {
  /** http://host:port */
  readonly url: string;
  readonly port: number;
  /** Stops accepting connections, finishes the requests in flight, then resolves. */
  close(): Promise<void>;
}

const ROUTES = ["/healthz", "/metrics", ...Object.keys(MODEL_ROUTES)];

/** Serves a loaded checkpoint over HTTP until close(). */
export async function startServer(parts: InferenceParts, opts: ServeOptions = {}): Promise<RunningServer> {
  const { host = "127.0.0.1", port = 8080, apiKey, log = (l) => process.stderr.write(l + "\n"), ...given } = opts;
  const limits = resolveLimits(given);
  const batcher = new Batcher(limits);
  const metrics = new Metrics(() => batcher.depth);
  const authorize = apiKey === undefined ? undefined : bearerCheck(apiKey);
  let draining = false;

  const server = http.createServer({
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    // how often Node looks for connections past those timeouts (its default, 30 s, would outlive short limits)
    connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs, limits.requestTimeoutMs),
  });

  server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
    const started = performance.now();
    const path = (req.url ?? "/").split("?")[0];
    const route = ROUTES.includes(path) ? path : "other";
    const aborted = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished) aborted.abort();
      metrics.request(route, res.statusCode, (performance.now() - started) / 1000);
      // a keep-alive connection that finishes its response while draining would otherwise hold close() open
      if (draining) setImmediate(() => server.closeIdleConnections());
    });
    if (draining) res.setHeader("Connection", "close");
    handle(req, res, path, aborted.signal).catch((e: unknown) => fail(res, e));
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, path: string, signal: AbortSignal): Promise<void> {
    if (path === "/healthz") {
      requireMethod(req, "GET");
      return send(res, draining ? 503 : 200, { status: draining ? "draining" : "ok", architecture: parts.config.architecture });
    }
    authorize?.(req.headers.authorization);
    if (path === "/metrics") {
      requireMethod(req, "GET");
      res.writeHead(200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" });
      res.end(metrics.text());
      return;
    }
    if (!(path in MODEL_ROUTES)) throw new HttpError(404, `no route ${req.method} ${path}; the routes are ${ROUTES.join(", ")}`);
    const modelRoute = path as ModelRoute;
    requireMethod(req, "POST");
    requireArchitecture(modelRoute, parts.config.architecture);
    if (draining) throw new HttpError(503, "the server is shutting down", { "Retry-After": "1" });
    const body = await readJson(req, limits.maxBodyBytes);
    const ctx: RouteContext = { parts, batcher, metrics, limits, signal };
    const answer = modelRoute === "/v1/classify" ? await classifyRoute(ctx, body) : await textRoute(ctx, modelRoute === "/v1/translate" ? "translate" : "generate", body, res);
    if (answer !== undefined) send(res, 200, answer);
  }

  function fail(res: http.ServerResponse, e: unknown): void {
    let status = 500;
    let message = "internal error (see the server's log)";
    let headers: Record<string, string> = {};
    if (e instanceof HttpError) ({ status, message, headers } = e);
    else if (e instanceof OptionError) [status, message] = [400, e.named(jsonNameOf)];
    else if (e instanceof TransformerError) [status, message] = [400, e.message];
    else log(`transformer serve: internal error: ${e instanceof Error ? e.stack : String(e)}`);
    if (status === 499 || res.destroyed) return; // nobody is listening
    if (res.headersSent) {
      // a stream that had begun: the error is its last event
      res.end(`event: error\ndata: ${JSON.stringify({ error: message })}\n\n`);
      return;
    }
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    send(res, status, { error: message });
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) => reject(new OptionError("port", `${host}:${port}: cannot listen (${e.code ?? e.message})`)));
    server.listen(port, host, resolve);
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${shown}:${address.port}`,
    port: address.port,
    close: () => {
      draining = true;
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }).then(() => batcher.idle());
    },
  };
}

function requireMethod(req: http.IncomingMessage, method: string): void {
  if (req.method !== method) throw new HttpError(405, `${req.url} takes ${method}, not ${req.method}`, { Allow: method });
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}
