/**
 * The weights of a Hugging Face checkpoint folder in Node: model.safetensors, or the shards that
 * model.safetensors.index.json lists (what save_pretrained writes past its shard size). Only safetensors are read:
 * pytorch_model.bin is a pickle, which can run code when loaded.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { CheckpointError } from "../errors.js";
import { readJsonFile } from "../io/read-json.js";
import { WEIGHTS_FILE, WEIGHTS_INDEX_FILE } from "./files.js";
import type { NamedTensor } from "./safetensors.js";
import { readSafetensorsLazily } from "./safetensors-file.js";

export { WEIGHTS_INDEX_FILE };

/** Other weight files transformers writes, which are not read. */
const UNREAD = ["pytorch_model.bin", "pytorch_model.bin.index.json", "tf_model.h5", "flax_model.msgpack"];

/**
 * The folder's tensors, and the file (or index) they were read from, for messages. The tensors are read when used
 * (readSafetensorsLazily): loading a model then needs about its own memory, not that and the file's.
 */
export function readHuggingFaceWeights(dir: string): { tensors: Map<string, NamedTensor>; file: string } {
  const single = path.join(dir, WEIGHTS_FILE);
  if (fs.existsSync(single)) return { tensors: readSafetensorsLazily(single).tensors, file: single };
  const index = path.join(dir, WEIGHTS_INDEX_FILE);
  if (fs.existsSync(index)) return { tensors: readShards(dir, index), file: index };
  const other = UNREAD.find((f) => fs.existsSync(path.join(dir, f)));
  throw new CheckpointError(`${dir}: no ${WEIGHTS_FILE} nor ${WEIGHTS_INDEX_FILE}${other ? ` (${other} is not read: only safetensors files are; download those)` : ""}`);
}

function readShards(dir: string, index: string): Map<string, NamedTensor> {
  const raw = readJsonFile(index, CheckpointError) as { weight_map?: unknown };
  const map = raw?.weight_map;
  if (typeof map !== "object" || map === null || Array.isArray(map)) throw new CheckpointError(`${index}: expected an object with "weight_map": {tensor: shard file}`);
  const shardOf = new Map<string, string>();
  for (const [name, shard] of Object.entries(map)) {
    if (typeof shard !== "string" || shard !== path.basename(shard) || !shard.endsWith(".safetensors")) {
      throw new CheckpointError(`${index}: weight_map["${name}"] is ${JSON.stringify(shard)}; expected a .safetensors file name in this folder`);
    }
    shardOf.set(name, shard);
  }
  const tensors = new Map<string, NamedTensor>();
  for (const shard of [...new Set(shardOf.values())].sort()) {
    const file = path.join(dir, shard);
    for (const [name, t] of readSafetensorsLazily(file).tensors) {
      if (shardOf.get(name) !== shard) {
        throw new CheckpointError(`${file}: tensor "${name}" is not listed for this shard in ${WEIGHTS_INDEX_FILE}${shardOf.has(name) ? ` (it lists ${shardOf.get(name)})` : ""}`);
      }
      tensors.set(name, t);
    }
  }
  for (const [name, shard] of shardOf) {
    if (!tensors.has(name)) throw new CheckpointError(`${index}: weight_map lists "${name}" in ${shard}, which does not hold it`);
  }
  return tensors;
}
