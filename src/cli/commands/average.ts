import { type Command, Option } from "commander";
import type { SafetensorsDtype } from "../../models/safetensors.js";
import { averageCheckpoints } from "../../run/average.js";
import { checkNewFolder, writeModelFolder } from "../../run/model-folder.js";

export function registerAverage(program: Command): void {
  program
    .command("average")
    .description("average the weights of checkpoints of one model (paper §6.1: \"averaging the last 5 checkpoints\") into a new checkpoint folder")
    .requiredOption("--out <dir>", "checkpoint folder to write (new or empty)")
    .addOption(new Option("--dtype <type>", "how the weights are stored: f32 (exact), f16 or bf16 (half the size; computed in float32 when loaded)").choices(["f32", "f16", "bf16"]).default("f32"))
    .argument("<checkpoints...>", "checkpoint folders of the same config and tokenizer, e.g. runs/x/checkpoints/step-*")
    .action((dirs: string[], opts: { out: string; dtype: string }) => {
      checkNewFolder(opts.out); // before reading every checkpoint, not after
      const parts = averageCheckpoints(dirs);
      writeModelFolder(opts.out, parts, { averaged_from: dirs.join(",") }, opts.dtype.toUpperCase() as SafetensorsDtype);
      process.stdout.write(`wrote ${opts.out}: the mean of ${dirs.length} checkpoint${dirs.length === 1 ? "" : "s"}\n`);
    });
}
