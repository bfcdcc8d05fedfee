/** Folder snapshots for the run-folder tests. */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

/** Every file under `dir` (relative path → sha256 of its bytes), and every folder (→ "dir"). */
export function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      out[path.relative(dir, p)] = e.isDirectory() ? "dir" : createHash("sha256").update(fs.readFileSync(p)).digest("hex");
      if (e.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

/** The relative paths under `dir`, sorted. */
export function listing(dir: string): string[] {
  return Object.keys(tree(dir)).sort();
}

