/**
 * A checkpoint folder read in the browser — from files the user picked or from URLs (the shipped model) — and
 * loaded by the library's loadFolderFiles: one of ours (config.json, model.safetensors, tokenizer.json and, when
 * the target vocabulary is separate, tokenizer.target.json) or a Hugging Face folder (GPT-2, BERT, Marian). Only the files
 * the library reads are read; the optional scores.json of a model card is read beside them.
 */
import { FOLDER_FILES, type FolderParts, loadFolderFiles } from "../../../src/run/folder-files.js";
import { CONFIG_FILE, TARGET_TOKENIZER_FILE, TOKENIZER_FILE, WEIGHTS_FILE } from "../../../src/run/format.js";
import type { CheckpointSource } from "../protocol.js";
import { type ModelScores, SCORES_FILE, parseScores } from "../scores.js";

export interface LoadedCheckpoint {
  folder: FolderParts;
  source: string;
  ignored: string[];
  /** The scores.json beside the checkpoint: null when there is none, or when it could not be read (scoresError says why). */
  scores: ModelScores | null;
  scoresError: string | null;
}

interface RawFiles {
  files: Map<string, Uint8Array>;
  scores?: string;
  source: string;
  ignored: string[];
}

const READ = new Set([...FOLDER_FILES, SCORES_FILE]);

/** A picked folder's files below its top level (a run folder's checkpoints/step-N/) are not the checkpoint's. */
function nested(f: File): boolean {
  return (f.webkitRelativePath ?? "").split("/").length > 2;
}

async function fromFiles(picked: File[]): Promise<RawFiles> {
  const byName = new Map<string, File>();
  const ignored: string[] = [];
  let below = 0;
  for (const f of picked) {
    if (nested(f)) below++;
    else if (READ.has(f.name)) byName.set(f.name, f);
    else ignored.push(f.name);
  }
  if (below) ignored.push(`${below} file(s) in subfolders`);
  if (!byName.has(CONFIG_FILE)) {
    throw new Error(`missing ${CONFIG_FILE}: pick a checkpoint folder, or its config.json, model.safetensors and tokenizer.json (and tokenizer.target.json if there is one) together`);
  }
  const files = new Map<string, Uint8Array>();
  for (const [name, f] of byName) if (name !== SCORES_FILE) files.set(name, new Uint8Array(await f.arrayBuffer()));
  const scores = byName.get(SCORES_FILE);
  return { files, scores: scores ? await scores.text() : undefined, source: "picked files", ignored };
}

async function fromUrl(base: string, label: string): Promise<RawFiles> {
  const get = async (name: string, optional = false): Promise<Response | null> => {
    const url = new URL(name, base).href;
    let res: Response;
    try {
      res = await fetch(url);
    } catch (e) {
      throw new Error(`${url}: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (res.ok) return res;
    if (optional && res.status === 404) return null;
    throw new Error(`${url}: HTTP ${res.status}`);
  };
  // the shipped model is one of ours: its four files, and its card's scores
  const names = [CONFIG_FILE, WEIGHTS_FILE, TOKENIZER_FILE, TARGET_TOKENIZER_FILE];
  const [scores, ...found] = await Promise.all([get(SCORES_FILE, true), ...names.map((n) => get(n, n === TARGET_TOKENIZER_FILE))]);
  const files = new Map<string, Uint8Array>();
  for (const [i, res] of found.entries()) if (res) files.set(names[i], new Uint8Array(await res.arrayBuffer()));
  return { files, scores: scores ? await scores.text() : undefined, source: label, ignored: [] };
}

/**
 * Reads, validates and loads a checkpoint (weights strictly by name and shape, as in Node). A bad scores.json
 * does not stop the model from loading: it only says nothing about it, and the page shows why.
 */
export async function loadCheckpointFrom(src: CheckpointSource): Promise<LoadedCheckpoint> {
  const raw = src.kind === "files" ? await fromFiles(src.files) : await fromUrl(src.base, src.label);
  const folder = loadFolderFiles(raw.files, raw.ignored);
  let scores: ModelScores | null = null;
  let scoresError: string | null = null;
  try {
    if (raw.scores !== undefined) scores = parseScores(raw.scores);
  } catch (e) {
    scoresError = e instanceof Error ? e.message : String(e);
  }
  return { folder, source: raw.source, ignored: raw.ignored, scores, scoresError };
}
