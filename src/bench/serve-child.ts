/**
 * `transformer serve` as a child process, for the serve benchmarks and their tests: a separate process so that its
 * memory can be read from /proc, it can be SIGKILLed like a crashed server, and the load generator's own work does
 * not run on the server's event loop.
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../cli/main.js");

export interface ServeChild {
  /** http://host:port, from the line the server prints once it listens. */
  readonly url: string;
  /** The kernels it runs on, as it printed them before listening (describeBackend). */
  readonly backend: string;
  readonly port: number;
  readonly pid: number;
  /** performance.now() when the process was spawned, and when it said it listens. */
  readonly spawnedAt: number;
  readonly listeningAt: number;
  /** Resolves with the exit code (null when killed by a signal) once the process has exited. */
  readonly exited: Promise<number | null>;
  /** SIGTERM (the server drains), then SIGKILL if it has not exited within `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL, the way a crash or the OOM killer ends it; resolves once it has exited (its sockets are closed by then). */
  kill(): Promise<void>;
}

export interface ServeChildOptions {
  /** 0 lets the server pick a free port. @default 0 */
  port?: number;
  /** More `serve` flags, e.g. ["--no-batching"]. */
  args?: string[];
  /** Give up if the server has not said it listens within this. @default 120000 */
  startTimeoutMs?: number;
}

/** Spawns `transformer serve --checkpoint DIR` on 127.0.0.1 and resolves once it listens. Its stderr is ours. */
export async function startServeChild(checkpoint: string, o: ServeChildOptions = {}): Promise<ServeChild> {
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, [CLI, "serve", "--checkpoint", checkpoint, "--host", "127.0.0.1", "--port", String(o.port ?? 0), ...(o.args ?? [])], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let url: string, backend: string;
  try {
    ({ url, backend } = await listening(child, exited, o.startTimeoutMs ?? 120_000));
  } catch (e) {
    child.kill("SIGKILL");
    await exited;
    throw e;
  }
  const listeningAt = performance.now();
  const signal = async (sig: NodeJS.Signals, graceMs: number) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(sig);
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  };
  return {
    url, backend, port: Number(new URL(url).port), pid: child.pid!, spawnedAt, listeningAt, exited,
    stop: (graceMs = 30_000) => signal("SIGTERM", graceMs),
    kill: () => signal("SIGKILL", 0),
  };
}

function listening(child: ChildProcess, exited: Promise<number | null>, timeoutMs: number): Promise<{ url: string; backend: string }> {
  return new Promise<{ url: string; backend: string }>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`serve did not listen within ${timeoutMs} ms`)), timeoutMs);
    // this listener stays for the child's life: it keeps the pipe read, so that a full pipe never blocks the server
    child.stdout!.on("data", (d) => {
      out += d;
      const m = / on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1], backend: /transformer: backend (.+)\n/.exec(out)?.[1] ?? "unknown (serve did not say)" });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${code ?? child.signalCode}) before listening`));
    });
  });
}
