import * as fs from "node:fs";
import type { Command } from "commander";
import { CheckpointError, OptionError } from "../../errors.js";
import { readJsonFile } from "../../io/read-json.js";
import { buildModel, initParameters, parseConfig } from "../../models/index.js";
import { saveCheckpoint } from "../../models/checkpoint.js";
import { ensureWritable, inspectOut, removeRunFiles } from "../../run/folder.js";

export function registerInit(program: Command): void {
  program
    .command("init")
    .description("write a freshly initialised checkpoint (config.json + model.safetensors) for a config")
    .requiredOption("--config <file>", "model config JSON (the keys of src/models/config.ts; test/fixtures/reference/*/config.json are examples)")
    .requiredOption("--out <dir>", "checkpoint folder to write (new or empty)")
    .option("--seed <n>", "random seed", "0")
    .option("--overwrite", "replace the checkpoint or run that --out holds (only files a run or init writes are deleted)")
    .action((opts: { config: string; out: string; seed: string; overwrite?: boolean }) => {
      const seed = Number(opts.seed);
      if (!Number.isInteger(seed) || seed < 0) throw new OptionError(`--seed must be a non-negative integer, got "${opts.seed}"`);
      if (!fs.existsSync(opts.config)) throw new CheckpointError(`${opts.config}: config file not found`);
      // the same rules as train --out: nothing foreign in it, nothing replaced unless asked, writable, before any work
      const held = inspectOut(opts.out);
      if (held?.holdsRun && !opts.overwrite) throw new OptionError(`--out ${opts.out}: holds a checkpoint already; give --overwrite to replace it`);
      const config = parseConfig(readJsonFile(opts.config, CheckpointError), opts.config);
      ensureWritable(opts.out); // after the config is known good: a bad one leaves nothing behind
      const model = buildModel(config);
      initParameters(model, seed);
      if (held?.holdsRun) removeRunFiles(opts.out);
      saveCheckpoint(opts.out, model);
      const n = model.parameters().reduce((s, p) => s + p.size, 0);
      process.stdout.write(`wrote ${opts.out} (${config.architecture}, ${n.toLocaleString("en")} parameters, seed ${seed})\n`);
    });
}
