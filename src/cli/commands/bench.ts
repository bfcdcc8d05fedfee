import type { Command } from "commander";
import { benchDecode } from "../../../bench/decode.js";
import { integerOption } from "../options.js";

/** `bench decode`: decoding speed on the small preset (bench/decode.ts). */
export function registerBenchDecode(bench: Command): void {
  bench
    .command("decode")
    .description("greedy tokens/s with and without the KV cache, and beam-4 tokens/s (small preset, random weights, 32 source tokens, 64 new tokens)")
    .option("--json", "print the results as JSON")
    .option("--repeats <n>", "timed runs of each search; the fastest is reported", integerOption, 1)
    .action((opts: { json?: boolean; repeats: number }) => {
      const log = opts.json ? undefined : (line: string) => process.stdout.write(line + "\n");
      const r = benchDecode({ repeats: Math.max(1, opts.repeats), log });
      if (opts.json) process.stdout.write(JSON.stringify(r, null, 2) + "\n");
      else process.stdout.write(`KV cache speed-up (greedy): ${r.cache_speedup}×\n`);
    });
}

/** The subcommands of `bench`; others (gemm, train) register the same way. */
export const benchSubcommands: Array<(bench: Command) => void> = [registerBenchDecode];

export function registerBench(program: Command): void {
  const bench = program.command("bench").description("measure the speed of parts of the library");
  for (const register of benchSubcommands) register(bench);
}
