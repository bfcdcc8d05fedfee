/** Training in a child process that is SIGKILLed at random moments and started again: the kill test's harness. */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { tornReason } from "../../src/run/intact.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const CLI = path.join(ROOT, "dist/src/cli/main.js");

/** mulberry32: a seeded generator, so that a failing trial's moments can be chosen again from its seed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * When to SIGKILL: a delay from the start; a delay after the `lines`-th progress line ("step N/M ...", printed just
 * before step N's evaluation and save); or a delay after the `saves`-th save began (its temporary checkpoint folder
 * appeared under `out`/checkpoints, seen through fs.watch: no waiting on the child's output, so most land inside).
 */
type KillAt = { ms: number } | { lines: number; thenMs: number } | { saves: number; out: string; thenMs: number };

/** Runs `transformer train ARGS`, killed at `killAt`. Resolves "killed", or "finished" (exit 0); rejects on any other exit. */
function run(args: string[], killAt: KillAt | null): Promise<"killed" | "finished"> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, "train", ...args], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    let seen = 0;
    let killed = false;
    const kill = () => {
      killed = child.kill("SIGKILL");
    };
    let watcher: fs.FSWatcher | undefined;
    if (killAt && "ms" in killAt) setTimeout(kill, killAt.ms);
    if (killAt && "saves" in killAt) {
      watcher = fs.watch(path.join(killAt.out, "checkpoints"), (_, name) => {
        if (seen < killAt.saves && /^\.step-\d+\.tmp-\d+$/.test(String(name)) && ++seen === killAt.saves) setTimeout(kill, killAt.thenMs);
      });
    }
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
      if (!killAt || !("lines" in killAt) || seen >= killAt.lines) return;
      seen += (chunk.match(/^step \d+\//gm) ?? []).length;
      if (seen >= killAt.lines) setTimeout(kill, killAt.thenMs);
    });
    child.on("exit", (code, signal) => {
      watcher?.close();
      if (signal === "SIGKILL" && killed) resolve("killed");
      else if (code === 0) resolve("finished");
      else reject(new Error(`train ${args.join(" ")} exited with ${code ?? signal}:\n${stderr}`));
    });
  });
}

export function trainToEnd(args: string[]): Promise<"killed" | "finished"> {
  return run(args, null);
}

/** Whether `out` holds a committed checkpoint (a checkpoints/step-N folder: its rename is the commit). */
function committed(out: string): boolean {
  const ckpts = path.join(out, "checkpoints");
  return fs.existsSync(ckpts) && fs.readdirSync(ckpts).some((n) => /^step-\d+$/.test(n));
}

/**
 * What the kills of trainWithKills did: how many landed, and how many of those cut a save short (left a temporary,
 * or a top level that does not match its manifest).
 */
export interface Kills {
  landed: number;
  midSave: number;
}

/**
 * Trains into `out` (`args` without --out, saving every `saveEvery` of its `steps`) with `kills` SIGKILLs at moments
 * `rng` chooses, starting again after each with the same command, plus --resume once a checkpoint is committed; then
 * trains to the end. Half the kills come 0-15 ms after a save began (once there is a checkpoints/ to watch), three
 * in ten 0-7 ms after a progress line, the rest at a random time from the start (start-up, the first checkpoint,
 * the repairs of a resumed run).
 */
export async function trainWithKills(args: string[], out: string, o: { kills: number; steps: number; saveEvery: number }, rng: () => number): Promise<Kills> {
  const k: Kills = { landed: 0, midSave: 0 };
  const within = (n: number) => 1 + Math.floor(rng() * Math.ceil((1.5 * n) / o.kills));
  for (;;) {
    // a resumed run takes its per-sitting options (--save-every, --log-every, ...) as given again: the same command
    const resume = committed(out);
    const argv = [...args, "--out", out, ...(resume ? ["--resume", out] : [])];
    const r = rng();
    const at: KillAt | null = k.landed === o.kills ? null
      : r < 0.5 && resume ? { saves: within(o.steps / o.saveEvery), out, thenMs: Math.floor(rng() * 16) }
      : r < 0.8 ? { lines: within(o.steps), thenMs: Math.floor(rng() * 8) }
      : { ms: Math.floor(rng() * 800) };
    if ((await run(argv, at)) === "finished") return k;
    k.landed++;
    if (fs.existsSync(out) && (temporaries(out).length > 0 || tornReason(out) !== null)) k.midSave++;
  }
}

/** Paths under `dir` named like a temporary: `.NAME.PID.HEX.tmp` files and `NAME.tmp-PID`/`.old-PID`/`.del-PID` folders. */
export function temporaries(dir: string): string[] {
  const found: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (/\.tmp$|\.(tmp|old|del)-\d+$/.test(e.name)) found.push(p);
    else if (e.isDirectory()) found.push(...temporaries(p));
  }
  return found;
}

/** The (type, step, loss) of each metrics.jsonl line: what a resumed run must log exactly as an uninterrupted one. */
export function metricLines(dir: string): string[] {
  return fs.readFileSync(path.join(dir, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => {
    const m = JSON.parse(l) as { type: string; step: number; loss: number };
    return `${m.type} ${m.step} ${m.loss}`;
  });
}
