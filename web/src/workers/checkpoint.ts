/**
 * A checkpoint folder read in the browser: config.json, model.safetensors, tokenizer.json and, when the target
 * vocabulary is separate, tokenizer.target.json — from files the user picked or from URLs (the shipped model) —
 * and the optional scores.json of a model card.
 */
import { CheckpointError } from "../../../src/errors.js";
import type { Model } from "../../../src/models/index.js";
import { CONFIG_FILE, TARGET_TOKENIZER_FILE, TOKENIZER_FILE, WEIGHTS_FILE } from "../../../src/run/format.js";
import { partsFromFiles } from "../../../src/run/parts.js";
import type { Tokenizer } from "../../../src/tokenizer/index.js";
import type { CheckpointSource } from "../protocol.js";
import { type ModelScores, SCORES_FILE, parseScores } from "../scores.js";

export interface LoadedCheckpoint {
  model: Model;
  srcTokenizer: Tokenizer;
  tgtTokenizer: Tokenizer;
  separateTarget: boolean;
  source: string;
  ignored: string[];
  /** The scores.json beside the checkpoint: null when there is none, or when it could not be read (scoresError says why). */
  scores: ModelScores | null;
  scoresError: string | null;
}

interface RawFiles {
  config: string;
  weights: ArrayBuffer;
  tokenizer: string;
  targetTokenizer?: string;
  scores?: string;
  source: string;
  ignored: string[];
}

async function fromFiles(files: File[]): Promise<RawFiles> {
  const byName = new Map<string, File>();
  const ignored: string[] = [];
  for (const f of files) {
    if ([CONFIG_FILE, WEIGHTS_FILE, TOKENIZER_FILE, TARGET_TOKENIZER_FILE, SCORES_FILE].includes(f.name)) byName.set(f.name, f);
    else ignored.push(f.name);
  }
  const missing = [CONFIG_FILE, WEIGHTS_FILE, TOKENIZER_FILE].filter((n) => !byName.has(n));
  if (missing.length) {
    throw new CheckpointError(`missing ${missing.join(", ")}: pick config.json, model.safetensors and tokenizer.json (and tokenizer.target.json if there is one) together`);
  }
  const target = byName.get(TARGET_TOKENIZER_FILE);
  const scores = byName.get(SCORES_FILE);
  return {
    config: await byName.get(CONFIG_FILE)!.text(),
    weights: await byName.get(WEIGHTS_FILE)!.arrayBuffer(),
    tokenizer: await byName.get(TOKENIZER_FILE)!.text(),
    targetTokenizer: target ? await target.text() : undefined,
    scores: scores ? await scores.text() : undefined,
    source: "picked files",
    ignored,
  };
}

async function fromUrl(base: string, label: string): Promise<RawFiles> {
  const get = async (name: string, optional = false): Promise<Response | null> => {
    const url = new URL(name, base).href;
    let res: Response;
    try {
      res = await fetch(url);
    } catch (e) {
      throw new CheckpointError(`${url}: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (res.ok) return res;
    if (optional && res.status === 404) return null;
    throw new CheckpointError(`${url}: HTTP ${res.status}`);
  };
  const [config, weights, tokenizer, target, scores] = await Promise.all([
    get(CONFIG_FILE), get(WEIGHTS_FILE), get(TOKENIZER_FILE), get(TARGET_TOKENIZER_FILE, true), get(SCORES_FILE, true),
  ]);
  return {
    config: await config!.text(),
    weights: await weights!.arrayBuffer(),
    tokenizer: await tokenizer!.text(),
    targetTokenizer: target ? await target.text() : undefined,
    scores: scores ? await scores.text() : undefined,
    source: label,
    ignored: [],
  };
}

/**
 * Reads, validates and loads a checkpoint (weights strictly by name and shape, as loadCheckpoint in Node). A bad
 * scores.json does not stop the model from loading: it only says nothing about it, and the page shows why.
 */
export async function loadCheckpointFrom(src: CheckpointSource): Promise<LoadedCheckpoint> {
  const raw = src.kind === "files" ? await fromFiles(src.files) : await fromUrl(src.base, src.label);
  const { model, srcTokenizer, tgtTokenizer } = partsFromFiles({ ...raw, weights: new Uint8Array(raw.weights) });
  let scores: ModelScores | null = null;
  let scoresError: string | null = null;
  try {
    if (raw.scores !== undefined) scores = parseScores(raw.scores);
  } catch (e) {
    scoresError = e instanceof Error ? e.message : String(e);
  }
  return {
    model, srcTokenizer, tgtTokenizer, separateTarget: tgtTokenizer !== srcTokenizer, source: raw.source, ignored: raw.ignored,
    scores, scoresError,
  };
}
