// Our next-token logits for rows of ids (JSON on stdin: [[id, ...], ...]; rows of one length), as JSON on stdout:
// {"shape": [B, T, V], "logits": [...]}. For the Python checks beside it (check_export.py), which compare them
// with transformers'. Usage: node scripts/hf/logits.mjs CHECKPOINT < ids.json (after npm run build).
import * as fs from "node:fs";
import { loadForInference } from "../../dist/src/node.js";
import { inference } from "../../dist/src/nn/index.js";

const [dir] = process.argv.slice(2);
const rows = JSON.parse(fs.readFileSync(0, "utf8"));
const { model } = loadForInference(dir);
const B = rows.length, T = rows[0].length;
const logits = inference(model, () => model.forward({ ids: Int32Array.from(rows.flat()), batch: B, length: T }).data);
process.stdout.write(JSON.stringify({ shape: [B, T, logits.length / (B * T)], logits: Array.from(logits) }) + "\n");
