import * as fs from "node:fs";
import type { Command } from "commander";
import { CheckpointError, OptionError } from "../../errors.js";
import { readJsonFile } from "../../io/read-json.js";
import { buildModel, initParameters, parseConfig } from "../../models/index.js";
import { saveCheckpoint } from "../../models/checkpoint.js";

export function registerInit(program: Command): void {
  program
    .command("init")
    .description("write a freshly initialised checkpoint (config.json + model.safetensors) for a config")
    .requiredOption("--config <file>", "model config JSON (the keys of src/models/config.ts; test/fixtures/reference/*/config.json are examples)")
    .requiredOption("--out <dir>", "checkpoint folder to write")
    .option("--seed <n>", "random seed", "0")
    .action((opts: { config: string; out: string; seed: string }) => {
      const seed = Number(opts.seed);
      if (!Number.isInteger(seed) || seed < 0) throw new OptionError(`--seed must be a non-negative integer, got "${opts.seed}"`);
      if (!fs.existsSync(opts.config)) throw new CheckpointError(`${opts.config}: config file not found`);
      const config = parseConfig(readJsonFile(opts.config, CheckpointError), opts.config);
      const model = buildModel(config);
      initParameters(model, seed);
      saveCheckpoint(opts.out, model);
      const n = model.parameters().reduce((s, p) => s + p.size, 0);
      process.stdout.write(`wrote ${opts.out} (${config.architecture}, ${n.toLocaleString("en")} parameters, seed ${seed})\n`);
    });
}
