import type { Command } from "commander";
import { averageCheckpoints } from "../../run/average.js";
import { writeModelFolder } from "../../run/model-folder.js";

export function registerAverage(program: Command): void {
  program
    .command("average")
    .description("average the weights of checkpoints of one model (paper §6.1: \"averaging the last 5 checkpoints\") into a new checkpoint folder")
    .requiredOption("--out <dir>", "checkpoint folder to write (new or empty)")
    .argument("<checkpoints...>", "checkpoint folders of the same config and tokenizer, e.g. runs/x/checkpoints/step-*")
    .action((dirs: string[], opts: { out: string }) => {
      const parts = averageCheckpoints(dirs);
      writeModelFolder(opts.out, parts, { averaged_from: dirs.join(",") });
      process.stdout.write(`wrote ${opts.out}: the mean of ${dirs.length} checkpoint${dirs.length === 1 ? "" : "s"}\n`);
    });
}
