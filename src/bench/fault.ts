/**
 * `bench serve --fault`: what clients see when a server dies under load and a new one takes its port, the way a
 * supervisor (systemd, Kubernetes, Docker's restart policy) replaces a crashed process. N clients keep
 * POST /v1/translate busy; partway through, the server gets SIGKILL (no draining: a crash or the OOM killer);
 * a new server is started on the same port at once. Every request is accounted for (load-client.ts): answered,
 * refused or reset (a connection error, which a client can retry), or hung past its deadline (what must not
 * happen). It is a flag of `bench serve` rather than its own command because it takes the same server, data and
 * load options; it runs one server configuration (the default, batching on) instead of two modes.
 */
import { OptionError } from "../errors.js";
import { type Outcome, send, startClients } from "./load-client.js";
import { percentiles, readVerses } from "./serve.js";
import { type ServeChild, startServeChild } from "./serve-child.js";

export interface FaultOptions {
  checkpoint: string;
  /** TSV with an `english` column. */
  data: string;
  connections: number;
  /** Planned length of the load; it runs on (up to 60 s more) until the new server has answered a 200. */
  seconds: number;
  /** When the server is killed. @default a third of `seconds` */
  killAfterSeconds?: number;
  /** A request unanswered this long has hung. @default 10 */
  timeoutSeconds?: number;
  /** @default 200 */
  verses?: number;
  log?: (line: string) => void;
}

export interface FaultReport {
  connections: number;
  seconds: number;
  kill_after_s: number;
  timeout_s: number;
  port: number;
  /** The servers' kernels, as the first printed them (describeBackend). */
  backend: string;
  /** One count per request sent. */
  requests: {
    total: number;
    /** 200s: from the old server (known before its exit), and from the new one. */
    ok: number;
    ok_old_server: number;
    ok_new_server: number;
    /** The server's documented answer to a full queue. */
    queue_full_503: number;
    /** Other statuses, by code. */
    other_status: Record<string, number>;
    /** ECONNRESET and kin: the requests in flight when the server died (and any sent on its dead connections). */
    reset: number;
    /** ECONNREFUSED: sent while nothing listened on the port. */
    refused: number;
    /** No answer within timeout_s. */
    hung: number;
    /** Client errors that are neither (by code). */
    other_errors: Record<string, number>;
  };
  /** Of the 200s: how near the slowest came to timeout_s, beyond which a slow answer would read as hung. */
  latency_ms: { p50: number; p95: number; p99: number; max: number };
  /** reset + refused. */
  connection_errors: number;
  /** other_status + hung + other_errors: 0 means no request failed but by a connection error or a 503. */
  failed_otherwise: number;
  restart: {
    /** From the SIGKILL to the old process's exit. */
    kill_to_exit_ms: number;
    /** From the new server's spawn to its saying it listens (model loading included). */
    spawn_to_listening_ms: number;
    /** From the new server's spawn to the first 200 a client got from it; null if none came. */
    spawn_to_first_200_ms: number | null;
    /** From the SIGKILL to that first 200: how long clients saw no server. */
    kill_to_first_200_ms: number | null;
  };
  /** After the load: the new server's answers to GET /healthz and one POST /v1/translate. */
  after: { healthz: number | string; translate: number | string };
}

const ms = (x: number) => Math.round(x);

export async function benchServeFault(o: FaultOptions): Promise<FaultReport> {
  const verses = readVerses(o.data, o.verses ?? 200);
  const killAfter = o.killAfterSeconds ?? o.seconds / 3;
  const timeoutS = o.timeoutSeconds ?? 10;
  if (!(killAfter > 0 && killAfter < o.seconds)) throw new OptionError(`bench serve --fault: --kill-after must be between 0 and --seconds ${o.seconds}, got ${killAfter}`);
  const first = await startServeChild(o.checkpoint);
  let second: ServeChild | undefined;
  const body = (i: number) => JSON.stringify({ text: verses[i % verses.length] });
  const clients = startClients({ url: first.url + "/v1/translate", connections: o.connections, body, deadlineMs: timeoutS * 1000 });
  const started = performance.now();
  let outcomes: Outcome[] | undefined;
  try {
    o.log?.(`fault: ${o.connections} clients for ${o.seconds} s against ${first.url}; SIGKILL at ${killAfter} s, then a new server on port ${first.port}`);
    await sleep(killAfter * 1000 - (performance.now() - started));
    const killedAt = performance.now();
    await first.kill();
    const exitedAt = performance.now();
    second = await startServeChild(o.checkpoint, { port: first.port });
    o.log?.(`fault: new server listening ${ms(second.listeningAt - second.spawnedAt)} ms after its spawn`);
    const firstOk = () => clients.outcomes.find((x) => x.kind === "ok" && x.at > exitedAt);
    const plannedEnd = started + o.seconds * 1000;
    while (performance.now() < plannedEnd || (!firstOk() && performance.now() < plannedEnd + 60_000)) await sleep(50);
    outcomes = await clients.stop();
    const ok = firstOk();
    const url = second.url;
    const after = {
      healthz: await probe(() => fetch(url + "/healthz", { signal: AbortSignal.timeout(timeoutS * 1000) }).then((r) => r.status)),
      translate: await probe(() => send(url + "/v1/translate", body(0), timeoutS * 1000).then((x) => (x.kind === "ok" ? 200 : x.status ?? x.code ?? x.kind))),
    };
    return {
      connections: o.connections, seconds: o.seconds, kill_after_s: killAfter, timeout_s: timeoutS, port: first.port, backend: first.backend,
      requests: count(outcomes, exitedAt),
      latency_ms: percentiles(outcomes.filter((x) => x.kind === "ok").map((x) => x.at - x.sentAt)),
      ...totals(outcomes),
      restart: {
        kill_to_exit_ms: ms(exitedAt - killedAt),
        spawn_to_listening_ms: ms(second.listeningAt - second.spawnedAt),
        spawn_to_first_200_ms: ok ? ms(ok.at - second.spawnedAt) : null,
        kill_to_first_200_ms: ok ? ms(ok.at - killedAt) : null,
      },
      after,
    };
  } finally {
    if (!outcomes) await clients.stop();
    await first.kill();
    await second?.stop();
  }
}

function count(outcomes: Outcome[], exitedAt: number): FaultReport["requests"] {
  const r: FaultReport["requests"] = { total: outcomes.length, ok: 0, ok_old_server: 0, ok_new_server: 0, queue_full_503: 0, other_status: {}, reset: 0, refused: 0, hung: 0, other_errors: {} };
  for (const x of outcomes) {
    if (x.kind === "ok") {
      r.ok++;
      // a 200 known before the old process had exited came from it; the new one was not yet spawned
      if (x.at <= exitedAt) r.ok_old_server++;
      else r.ok_new_server++;
    } else if (x.kind === "status" && x.status === 503) r.queue_full_503++;
    else if (x.kind === "status") r.other_status[x.status!] = (r.other_status[x.status!] ?? 0) + 1;
    else if (x.kind === "timeout") r.hung++;
    else if (x.kind === "error") r.other_errors[x.code!] = (r.other_errors[x.code!] ?? 0) + 1;
    else r[x.kind]++;
  }
  return r;
}

function totals(outcomes: Outcome[]): Pick<FaultReport, "connection_errors" | "failed_otherwise"> {
  const n = (f: (x: Outcome) => boolean) => outcomes.filter(f).length;
  return {
    connection_errors: n((x) => x.kind === "reset" || x.kind === "refused"),
    failed_otherwise: n((x) => x.kind === "timeout" || x.kind === "error" || (x.kind === "status" && x.status !== 503)),
  };
}

/** A probe's status, or what went wrong instead of one. */
async function probe(f: () => Promise<number | string>): Promise<number | string> {
  try {
    return await f();
  } catch (e) {
    return (e as Error).message;
  }
}

const sleep = (msToWait: number) => new Promise((r) => setTimeout(r, Math.max(0, msToWait)));
