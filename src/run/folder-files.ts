/**
 * A checkpoint folder from its files' bytes in memory (the page's picked files or fetched URLs): one of ours
 * (partsFromFiles), or a Hugging Face transformers folder (config.json with a model_type), read as Node's
 * loadForInference and loadWordPieceFolder read the same folder on disk, through the same browser-safe pieces
 * (importHuggingFace, parseSafetensors, tokenizer_config.json's checks, Marian's SentencePiece files). How a
 * model_type's tokenizer loads is one entry of HF_TEXT_LOADERS (folder-tokenizers.ts). Every problem is one CheckpointError line naming the file.
 */
import { CheckpointError } from "../errors.js";
import { parseJsonText } from "../io/json-text.js";
import { WEIGHTS_INDEX_FILE } from "../models/files.js";
import { buildModel, importHuggingFace, isHuggingFaceConfig, loadStateDict, parseSafetensors } from "../models/index.js";
import { Rng } from "../tensor/index.js";
import { type FolderParts, HF_TEXT_LOADERS, type TextFiles } from "./folder-tokenizers.js";
import { CONFIG_FILE, TARGET_TOKENIZER_FILE, TOKENIZER_FILE, WEIGHTS_FILE } from "./format.js";
import { TOKENIZER_CONFIG_FILE } from "./hf-tokenizer-config.js";
import { partsFromFiles } from "./parts.js";

export type { FolderParts } from "./folder-tokenizers.js";

/** A folder's files by name (no directories): their bytes. */
export type FolderFiles = ReadonlyMap<string, Uint8Array>;

/** The files a folder loader may read; a page reads only these of what was picked (a folder may hold gigabytes of others). */
export const FOLDER_FILES: readonly string[] = [
  ...new Set([CONFIG_FILE, WEIGHTS_FILE, WEIGHTS_INDEX_FILE, TOKENIZER_FILE, TARGET_TOKENIZER_FILE, TOKENIZER_CONFIG_FILE,
    ...Object.values(HF_TEXT_LOADERS).flatMap((l) => l.files)]),
];

/** Weight files transformers writes that are never read (pickles can run code; the others are TensorFlow's, Flax's). */
const UNREAD_WEIGHTS = /^(pytorch_model.*\.bin(\.index\.json)?|tf_model\.h5|flax_model\.msgpack)$/;

function text(files: FolderFiles, name: string): string | undefined {
  const bytes = files.get(name);
  if (bytes === undefined) return undefined;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new CheckpointError(`${name}: not UTF-8 text`);
  }
}

/**
 * Loads a folder from `files` (only FOLDER_FILES are looked at); `others` names the files that were there but not
 * given, to say why a folder with only pytorch_model.bin has no weights.
 */
export function loadFolderFiles(files: FolderFiles, others: readonly string[] = []): FolderParts {
  const configText = text(files, CONFIG_FILE);
  if (configText === undefined) throw new CheckpointError(`${CONFIG_FILE}: missing (a checkpoint folder holds config.json, model.safetensors and tokenizer.json)`);
  const raw = parseJsonText(configText, CONFIG_FILE, CheckpointError);
  const weights = files.get(WEIGHTS_FILE);
  const tokenizer = text(files, TOKENIZER_FILE);
  if (!isHuggingFaceConfig(raw)) {
    const missing = [weights === undefined && WEIGHTS_FILE, tokenizer === undefined && TOKENIZER_FILE].filter(Boolean);
    if (missing.length) throw new CheckpointError(`missing ${missing.join(", ")} (a checkpoint folder holds ${CONFIG_FILE}, ${WEIGHTS_FILE} and ${TOKENIZER_FILE}, plus ${TARGET_TOKENIZER_FILE} for a separate target vocabulary)`);
    return { kind: "bpe", parts: partsFromFiles({ config: configText, weights: weights!, tokenizer: tokenizer!, targetTokenizer: text(files, TARGET_TOKENIZER_FILE) }) };
  }
  if (weights === undefined) {
    if (files.has(WEIGHTS_INDEX_FILE)) throw new CheckpointError(`${WEIGHTS_INDEX_FILE}: sharded weights load from a folder on disk in Node, not from picked files; save the model as one ${WEIGHTS_FILE}`);
    const unread = others.find((f) => UNREAD_WEIGHTS.test(f));
    throw new CheckpointError(`${WEIGHTS_FILE}: missing${unread ? ` (${unread} is not read: only safetensors files are; download those)` : ""}`);
  }
  const hf = importHuggingFace(raw, CONFIG_FILE);
  const loader = HF_TEXT_LOADERS[hf.modelType];
  if (!loader) throw new CheckpointError(`${CONFIG_FILE}: model_type ${JSON.stringify(hf.modelType)} loads in Node but not yet in the page (it loads ${Object.keys(HF_TEXT_LOADERS).map((t) => JSON.stringify(t)).join(", ")})`);
  // the tokenizer first: a missing one is told before the weights are parsed
  const textFiles: TextFiles = (name) => text(files, name);
  const finish = loader.load(textFiles, hf.config, (name) => files.get(name));
  const model = buildModel(hf.config, new Rng(0));
  loadStateDict(model, hf.stateDict(parseSafetensors(weights, WEIGHTS_FILE).tensors, WEIGHTS_FILE), WEIGHTS_FILE);
  model.eval();
  return finish(model);
}
