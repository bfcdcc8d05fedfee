/**
 * Does transformers.js (@huggingface/transformers) load our seq2seq ONNX export as it is, and translate as we do?
 * Exports a checkpoint with the library (dist/, after `npx tsc -b`) into a temporary folder, loads it offline
 * there (env.allowRemoteModels = false, env.localModelPath = that folder) with AutoTokenizer and
 * AutoModelForSeq2SeqLM, and compares, one verse at a time, its input ids and greedy ids with ours; prints the
 * first verses' translations side by side and exits non-zero on any difference.
 *
 * transformers.js is not a dependency of this project (it brings a second, pre-release onnxruntime-web and sharp):
 * run this from a folder where it is installed (`npm install @huggingface/transformers`), which is where it is
 * looked up:
 *   cd /some/folder && node REPO/scripts/onnx/transformersjs-check.mjs [CHECKPOINT] [--count N] [--show N]
 * CHECKPOINT defaults to the shipped models/en-es; the verses are the first of data/bible/web-sparv.test.tsv.gz's
 * english column that fit its max_len. A Hugging Face Marian folder exports with its own config.json and a
 * tokenizer.json made from its source.spm (src/export/marian-folder.ts). `--expected DIR` (a fixture's expected/,
 * as scripts/hf/make_marian_fixtures.py saves it) also compares transformers.js with transformers itself: its
 * tokenizer's ids with tokens.json.gz's source ids, and its greedy ids from generate.json's greedy sources (ids
 * fed as they are) with transformers' generate() outputs.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { gunzipSync } from "node:zlib";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const lib = (f) => import(pathToFileURL(path.join(ROOT, "dist/src", f)).href);

const { values, positionals } = parseArgs({ allowPositionals: true, options: { count: { type: "string", default: "8" }, show: { type: "string", default: "3" }, expected: { type: "string" } } });
const checkpoint = path.resolve(positionals[0] ?? path.join(ROOT, "models/en-es"));
const count = Number(values.count), show = Number(values.show);
if (!Number.isInteger(count) || count < 1) throw new Error(`--count must be an integer ≥ 1, got "${values.count}"`);

let transformersPath;
try {
  transformersPath = createRequire(path.join(process.cwd(), "package.json")).resolve("@huggingface/transformers");
} catch {
  process.stderr.write(`transformersjs-check: @huggingface/transformers is not installed in ${process.cwd()}; run this from a folder where it is\n`);
  process.exit(2);
}
const { env, AutoTokenizer, AutoModelForSeq2SeqLM, Tensor } = await import(pathToFileURL(transformersPath).href);
const { exportOnnx, isMarianFolder, marianTransformersJsFiles } = await lib("export/index.js");
const { loadForInference } = await lib("run/index.js");
const { generate } = await lib("generate/index.js");
const { readTsv } = await lib("data/files.js");

const parts = loadForInference(checkpoint);
if (parts.model.config.architecture !== "seq2seq") throw new Error(`${checkpoint}: a ${parts.model.config.architecture} model; this check is for seq2seq`);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "transformersjs-check-"));
try {
  const marian = isMarianFolder(checkpoint);
  exportOnnx(parts.model, path.join(tmp, "model"), marian
    ? { transformersJs: marianTransformersJsFiles(checkpoint) }
    : { tokenizer: parts.srcTokenizer, targetTokenizer: parts.tgtTokenizer !== parts.srcTokenizer ? parts.tgtTokenizer : undefined });
  env.allowRemoteModels = false;
  env.localModelPath = tmp + path.sep;
  const tokenizer = await AutoTokenizer.from_pretrained("model");
  const model = await AutoModelForSeq2SeqLM.from_pretrained("model", { dtype: "fp32", session_options: { intraOpNumThreads: 1, interOpNumThreads: 1 } });
  // the first verses that fit the model's max_len (no truncation, which the two sides would do differently)
  const fits = (t) => parts.srcTokenizer.encode(t).length <= parts.model.config.max_len;
  const texts = readTsv(path.join(ROOT, "data/bible/web-sparv.test.tsv.gz"), { columns: ["english"] }).rows.map((r) => r[0]).filter(fits).slice(0, count);
  let inputDiffs = 0, idDiffs = 0;
  for (const [i, text] of texts.entries()) {
    const src = parts.srcTokenizer.encode(text);
    const inputs = tokenizer(text);
    if (inputs.input_ids.tolist()[0].map(Number).join() !== src.join()) inputDiffs++;
    const ours = generate(parts.model, [src], { strategy: "greedy" }).results[0][0].tokens;
    // their output starts with decoder_start_token_id; ours does not
    const theirs = (await model.generate({ ...inputs, max_new_tokens: src.length + 50 })).tolist()[0].map(Number).slice(1);
    const same = theirs.join() === ours.join();
    if (!same) idDiffs++;
    if (i < show) {
      process.stdout.write(`${text}\n  ours:            ${parts.tgtTokenizer.decode(ours)}\n  transformers.js: ${tokenizer.decode(theirs, { skip_special_tokens: true })}${same ? "  (same ids)" : "  (ids differ)"}\n`);
    }
  }
  process.stdout.write(`${checkpoint}: ${texts.length} verses, one at a time: input ids differ on ${inputDiffs}, greedy ids on ${idDiffs}\n`);
  let expectedDiffs = 0;
  if (values.expected) {
    const read = (name) => {
      const bytes = fs.readFileSync(path.join(values.expected, name));
      return JSON.parse((name.endsWith(".gz") ? gunzipSync(bytes) : bytes).toString("utf8"));
    };
    const t = read("tokens.json.gz");
    let tokenDiffs = 0;
    t.sources.forEach((text, i) => {
      if (tokenizer(text).input_ids.tolist()[0].map(Number).join() !== t.source_ids[i].join()) tokenDiffs++;
    });
    process.stdout.write(`transformers.js tokenizer vs transformers' MarianTokenizer: ${t.sources.length} source texts, ids differ on ${tokenDiffs}\n`);
    let runs = 0, greedyDiffs = 0;
    for (const r of read("generate.json").runs.filter((x) => x.strategy === "greedy")) {
      for (const [i, src] of r.sources.entries()) {
        const input_ids = new Tensor("int64", BigInt64Array.from(src, BigInt), [1, src.length]);
        const attention_mask = new Tensor("int64", new BigInt64Array(src.length).fill(1n), [1, src.length]);
        const theirs = (await model.generate({ input_ids, attention_mask, max_new_tokens: src.length + 50 })).tolist()[0].map(Number).slice(1);
        runs++;
        if (theirs.join() !== r.outputs[i].join()) greedyDiffs++;
      }
    }
    process.stdout.write(`transformers.js greedy vs transformers' generate(): ${runs} sources, ids differ on ${greedyDiffs}\n`);
    expectedDiffs = tokenDiffs + greedyDiffs;
  }
  process.exitCode = inputDiffs + idDiffs + expectedDiffs === 0 ? 0 : 1;
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
