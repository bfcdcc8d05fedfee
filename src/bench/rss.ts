/**
 * A process's resident memory over a run, read from /proc/PID/status (Linux; elsewhere every number is null).
 * Peak RSS alone cannot tell a leak from a high-water mark set while loading the model; RSS sampled once a
 * second can: memory that keeps growing under a steady load shows as `end` above `start`.
 */
import * as fs from "node:fs";

export interface RssSummary {
  /** RSS once the load has settled: the first sample at or after the warm-up (10 % of the run, at least 2 s). */
  start: number | null;
  /** The last sample, taken as the load stopped. */
  end: number | null;
  /** The most the process ever held (VmHWM), model loading included. */
  peak: number | null;
  /** end − start: how much memory grew under load. */
  growth: number | null;
  /** Every sample, MiB, about one a second from the start of the load. */
  samples: number[];
}

/** MiB of one field of /proc/PID/status (VmRSS, VmHWM), or null where it cannot be read. */
export function procStatusMiB(pid: number, field: "VmRSS" | "VmHWM"): number | null {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Math.round(Number(m[1]) / 102.4) / 10 : null;
  } catch {
    return null;
  }
}

export interface RssSampler {
  /** Takes the last sample and the peak (call it before the process exits) and stops sampling. */
  stop(): RssSummary;
}

/**
 * Samples `pid`'s VmRSS now and every `everyMs` until stop(). `seconds` is the planned length of the load, for
 * the warm-up: the first seconds hold the allocations that reach a steady state (buffers, the JIT, the
 * first batches' tensors) and would read as growth.
 */
export function sampleRss(pid: number, seconds: number, everyMs = 1000): RssSampler {
  const t0 = performance.now();
  const samples: { t: number; mib: number }[] = [];
  const take = () => {
    const mib = procStatusMiB(pid, "VmRSS");
    if (mib !== null) samples.push({ t: (performance.now() - t0) / 1000, mib });
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      const warmUp = Math.max(2, 0.1 * seconds);
      const start = samples.find((s) => s.t >= warmUp)?.mib ?? null;
      const end = samples.at(-1)?.mib ?? null;
      return {
        start, end, peak: procStatusMiB(pid, "VmHWM"),
        growth: start !== null && end !== null ? Math.round((end - start) * 10) / 10 : null,
        samples: samples.map((s) => s.mib),
      };
    },
  };
}
