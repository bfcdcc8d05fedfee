/** Folder snapshots for the run-folder tests. */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

/** Every file under `dir` (relative path → sha256 of its bytes), and every folder (→ "dir"). */
export function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const p = path.join(e.parentPath, e.name);
    out[path.relative(dir, p)] = e.isDirectory() ? "dir" : createHash("sha256").update(fs.readFileSync(p)).digest("hex");
  }
  return out;
}

/** The relative paths under `dir`, sorted. */
export function listing(dir: string): string[] {
  return Object.keys(tree(dir)).sort();
}

