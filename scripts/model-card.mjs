#!/usr/bin/env node
/**
 * Writes the shipped model's scores.json (the numbers its card and the page show) from the outputs of
 * `transformer eval --json --hypotheses FILE`, one greedy and one beam 4, and the run that trained it; prints ten
 * example translations (the five best and five worst by sentence chrF, among those of 8–30 words) as a Markdown
 * table for the card. The scores are what the CLI measured; this script does not translate anything itself.
 *
 *   node scripts/model-card.mjs --model models/en-es --run runs/en-es-small-tied \
 *     --data data/bible/web-sparv.test.tsv.gz --greedy greedy.json --beam beam.json --hypotheses beam.txt
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { data, evaluation } from "../dist/src/node.js";

const { values: a } = parseArgs({
  options: {
    model: { type: "string" }, run: { type: "string" }, data: { type: "string" },
    greedy: { type: "string" }, beam: { type: "string" }, hypotheses: { type: "string" }, hardware: { type: "string", default: "2-core CPU" },
  },
});
for (const k of ["model", "run", "data", "greedy", "beam", "hypotheses"]) {
  if (!a[k]) {
    console.error(`model-card: --${k} is required`);
    process.exit(2);
  }
}

const readJson = (f) => JSON.parse(fs.readFileSync(f, "utf8").trim().split("\n").at(-1));
const greedy = readJson(a.greedy);
const beam = readJson(a.beam);
const state = JSON.parse(fs.readFileSync(path.join(a.run, "training_state.json"), "utf8"));
const valid = fs.readFileSync(path.join(a.run, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l)).filter((m) => m.type === "valid");
const round = (x, d = 2) => Number(x.toFixed(d));

const scores = {
  model: path.basename(a.model),
  test: {
    data: a.data, examples: beam.sentences,
    greedy: { bleu: round(greedy.bleu), chrf: round(greedy.chrf) },
    beam4: { bleu: round(beam.bleu), chrf: round(beam.chrf) },
  },
  valid_loss: round(valid.at(-1).loss, 3),
  steps: state.step,
  train_hours: round(state.elapsedSeconds / 3600, 2),
  hardware: a.hardware,
};
fs.writeFileSync(path.join(a.model, "scores.json"), JSON.stringify(scores, null, 2) + "\n");
console.error(`wrote ${path.join(a.model, "scores.json")}`);

const rows = data.readTsv(a.data, { columns: ["ref", "english", "spanish"] }).rows;
const hyps = fs.readFileSync(a.hypotheses, "utf8").split("\n");
const scored = rows.map(([ref, en, es], i) => ({ ref, en, es, hyp: hyps[i], chrf: evaluation.corpusChrf([hyps[i]], [es]).score }))
  .filter((r) => { const n = r.en.split(/\s+/).length; return n >= 8 && n <= 30; })
  .sort((x, y) => y.chrf - x.chrf);
const cell = (s) => s.replace(/\|/g, "\\|");
console.log("| verse | English | reference (Reina-Valera 1909) | shipped model, beam 4 | chrF |");
console.log("|---|---|---|---|---|");
for (const r of [...scored.slice(0, 5), ...scored.slice(-5)]) console.log(`| ${r.ref} | ${cell(r.en)} | ${cell(r.es)} | ${cell(r.hyp)} | ${r.chrf.toFixed(1)} |`);
