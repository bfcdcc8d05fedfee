import type { Command } from "commander";
import { ranOn } from "../../bench/ran-on.js";
import { formatResult, runCase } from "../../conformance/run-case.js";

export function registerConformance(program: Command): void {
  program
    .command("conformance")
    .description("run reference case folders (config.json, model.safetensors, case.json) and compare with PyTorch's numbers")
    .argument("<dirs...>", "case folders")
    .option("--json", "print JSON: {backend, adapter (webgpu), results: [one per case]}")
    .action((dirs: string[], opts: { json?: boolean }) => {
      const results = dirs.map((d) => runCase(d));
      // the kernels the numbers came from: the first line on stdout, or in the JSON (and on stderr, for a reader of a pipe)
      const on = ranOn();
      (opts.json ? process.stderr : process.stdout).write(`backend: ${on.backend}\n`);
      if (opts.json) process.stdout.write(JSON.stringify({ ...on, results }, null, 2) + "\n");
      else for (const r of results) process.stdout.write(formatResult(r) + "\n");
      const failed = results.filter((r) => !r.ok).length;
      if (!opts.json) process.stdout.write(`${results.length - failed} passed, ${failed} failed\n`);
      if (failed > 0) process.exitCode = 1;
    });
}
