// Our logits for rows of ids, as JSON on stdout: {"shape": [...], "logits": [...]}. JSON on stdin: [[id, ...], ...]
// (rows of one length, unpadded) for a decoder_only model, (B, T, V), or an encoder_only one, (B, C) or its head's
// shape; {"src": rows, "tgt": rows} for a seq2seq model (tgt: the decoder's input), (B, T, V). For the Python checks
// beside it (check_export.py), which compare them with transformers'. Usage: node scripts/hf/logits.mjs CHECKPOINT
// < ids.json (after npm run build).
import * as fs from "node:fs";
import { loadForInference } from "../../dist/src/node.js";
import { inference } from "../../dist/src/nn/index.js";

const [dir] = process.argv.slice(2);
const input = JSON.parse(fs.readFileSync(0, "utf8"));
const { model } = loadForInference(dir);
const batch = (rows) => ({ ids: Int32Array.from(rows.flat()), batch: rows.length, length: rows[0].length });
const out = inference(model, () => (Array.isArray(input) ? model.forward(batch(input)) : model.forward(batch(input.src), batch(input.tgt))));
process.stdout.write(JSON.stringify({ shape: out.shape, logits: Array.from(out.data) }) + "\n");
