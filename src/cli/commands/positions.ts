import * as fs from "node:fs";
import type { Command } from "commander";
import { OptionError } from "../../errors.js";
import { positionsSvg } from "../../inspect/index.js";
import { integerOption } from "../options.js";

/** More cells than this make an SVG too large to open comfortably. */
const MAX_CELLS = 1_000_000;

export function registerPositions(program: Command): void {
  program
    .command("positions")
    .description("draw the sinusoidal positional encoding table (paper §3.5) as an SVG heatmap")
    .requiredOption("--d-model <d>", "model dimension (columns)", integerOption)
    .requiredOption("--length <n>", "number of positions (rows)", integerOption)
    .requiredOption("--out <file.svg>", "SVG file to write")
    .action((flags: { dModel: number; length: number; out: string }) => {
      if (flags.dModel < 1) throw new OptionError(`--d-model must be at least 1, got ${flags.dModel}`);
      if (flags.length < 1) throw new OptionError(`--length must be at least 1, got ${flags.length}`);
      if (flags.dModel * flags.length > MAX_CELLS) {
        throw new OptionError(`--d-model ${flags.dModel} × --length ${flags.length} is ${flags.dModel * flags.length} cells; at most ${MAX_CELLS.toLocaleString("en")} are drawn`);
      }
      try {
        fs.writeFileSync(flags.out, positionsSvg(flags.dModel, flags.length));
      } catch (e) {
        throw new OptionError(`--out ${flags.out}: cannot write (${(e as Error).message.split("\n")[0]})`);
      }
      process.stdout.write(`wrote ${flags.out} (${flags.length} positions × ${flags.dModel} dimensions)\n`);
    });
}
