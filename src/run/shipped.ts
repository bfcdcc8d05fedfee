/**
 * The English→Spanish model that ships in the repository and the npm package (models/en-es/): translate, eval,
 * attention and serve use it when --checkpoint is left out, the way a Hugging Face pipeline falls back to its
 * default model — except that nothing is downloaded: the files are in the package.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { OptionError } from "../errors.js";

export const SHIPPED_MODEL = "en-es";

/** The package root: the nearest folder above this module with our package.json (dist/src/run/ or src/run/). */
function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, "package.json");
    if (fs.existsSync(pkg) && (JSON.parse(fs.readFileSync(pkg, "utf8")) as { name?: string }).name === "transformer") return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error("shipped.ts: no package.json of transformer above " + fileURLToPath(import.meta.url));
    dir = up;
  }
}

/** Absolute path of the shipped model's folder (which may be absent in a trimmed install). */
export function shippedModelDir(): string {
  return path.join(packageRoot(), "models", SHIPPED_MODEL);
}

/** Scores from the shipped model's card (scores.json), as written by scripts/model-card.mjs. */
export interface ShippedScores {
  model: string;
  test: { data: string; examples: number; greedy: { bleu: number; chrf: number }; beam4: { bleu: number; chrf: number } };
  valid_loss: number;
  steps: number;
  train_hours: number;
  hardware: string;
}

/**
 * The checkpoint a command reads: the one the user named, else the shipped model, said on stderr so that nobody
 * mistakes whose numbers they are looking at. A missing shipped model is one line asking for --checkpoint.
 */
export function checkpointOrShipped(given: string | undefined, command: string): string {
  if (given !== undefined) return given;
  const dir = shippedModelDir();
  if (!fs.existsSync(path.join(dir, "config.json"))) {
    throw new OptionError(`${command} needs --checkpoint DIR: the shipped model is not installed (${dir} has no config.json)`);
  }
  const rel = path.relative(process.cwd(), dir);
  const shown = rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : dir;
  process.stderr.write(`transformer: no --checkpoint: using the shipped English→Spanish model (${shown})\n`);
  return dir;
}
