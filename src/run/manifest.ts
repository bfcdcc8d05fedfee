/**
 * manifest.json: the list of a checkpoint's files with each one's size and sha256, and the step it holds. Written
 * last, it is what makes a checkpoint complete: loading and resuming compare what they read against it.
 *
 * `fs` is used through its default export so that tests can replace single functions (node:test `mock.method`).
 */
import fs from "node:fs";
import path from "node:path";
import { createHash } from "node:crypto";
import { fsCall, fsError } from "../io/fs-error.js";
import { writeFileAtomic } from "../io/atomic-write.js";
import { MANIFEST_FILE } from "./format.js";

const FORMAT = "transformer-checkpoint-1";

export interface ManifestEntry {
  size: number;
  sha256: string;
}

export interface Manifest {
  format: typeof FORMAT;
  /** The training step the checkpoint holds. */
  step: number;
  files: Record<string, ManifestEntry>;
}

export type ManifestRead = { kind: "absent" } | { kind: "invalid"; problem: string } | { kind: "ok"; manifest: Manifest };

const CHUNK = 1 << 20;

/** Size and sha256 of a file, read in chunks. */
export function describeFile(file: string): ManifestEntry {
  return fsCall(file, "read", () => {
    const hash = createHash("sha256");
    const buf = Buffer.allocUnsafe(CHUNK);
    const fd = fs.openSync(file, "r");
    let size = 0;
    try {
      for (let n; (n = fs.readSync(fd, buf, 0, CHUNK, size)) > 0; size += n) hash.update(buf.subarray(0, n));
    } finally {
      fs.closeSync(fd);
    }
    return { size, sha256: hash.digest("hex") };
  });
}

/** Describes `names` in `dir` and writes the manifest (atomically): the last file of a checkpoint. */
export function writeManifest(dir: string, step: number, names: readonly string[]): Manifest {
  const files: Record<string, ManifestEntry> = {};
  for (const n of names) files[n] = describeFile(path.join(dir, n));
  const manifest: Manifest = { format: FORMAT, step, files };
  writeManifestAs(dir, manifest);
  return manifest;
}

export function writeManifestAs(dir: string, manifest: Manifest): void {
  const file = path.join(dir, MANIFEST_FILE);
  fsCall(file, "write", () => writeFileAtomic(file, JSON.stringify(manifest, null, 2) + "\n"));
}

function isEntry(e: unknown): e is ManifestEntry {
  const x = e as ManifestEntry;
  return typeof x === "object" && x !== null && Number.isInteger(x.size) && typeof x.sha256 === "string";
}

export function readManifest(dir: string): ManifestRead {
  const file = path.join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { kind: "absent" };
    throw fsError(file, "read", e);
  }
  let m: Manifest;
  try {
    m = JSON.parse(text);
  } catch {
    return { kind: "invalid", problem: `${MANIFEST_FILE} is not valid JSON` };
  }
  if (m?.format !== FORMAT || !Number.isInteger(m.step) || typeof m.files !== "object" || m.files === null || !Object.values(m.files).every(isEntry)) {
    return { kind: "invalid", problem: `${MANIFEST_FILE} is not a checkpoint manifest of this version (${FORMAT})` };
  }
  return { kind: "ok", manifest: m };
}

/**
 * The first of `names` (default: every listed file) that does not match the manifest, said in words; null when all
 * match. A file of `names` that exists but is not listed does not match either: it is not the checkpoint's.
 */
export function mismatch(dir: string, manifest: Manifest, names: readonly string[] = Object.keys(manifest.files)): string | null {
  for (const name of names) {
    const file = path.join(dir, name);
    const entry = manifest.files[name];
    const exists = fs.existsSync(file);
    if (!entry) {
      if (exists) return `${name} is not listed in ${MANIFEST_FILE}`;
      continue;
    }
    if (!exists) return `${name} is missing`;
    const differs = fsCall(file, "read", () => fs.statSync(file).size) !== entry.size || describeFile(file).sha256 !== entry.sha256;
    if (differs) return `${name} does not match ${MANIFEST_FILE}`;
  }
  return null;
}
