// Writes src/tokenizer/bert-unicode.ts: where this runtime's Unicode classes (what bert-normalizer.ts tests) differ
// from those of `tokenizers`, as swept by scripts/hf/bert_unicode_sweep.py (its JSON is the argument).
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const rust = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const expand = (rs) => new Set(rs.flatMap(([a, b]) => Array.from({ length: b - a + 1 }, (_, i) => a + i)));
// the classes bert-normalizer.ts starts from, before these corrections (whitespace is tested before them)
const WS = /\p{White_Space}/u;
const js = {
  other: (c, cp) => cp === 0 || cp === 0xfffd || (/[\p{Cc}\p{Cf}\p{Co}]/u.test(c) && !"\t\n\r".includes(c)),
  mark: (c) => c.normalize("NFD") === c && /\p{Mn}/u.test(c),
  punct: (c) => !WS.test(c) && (/[!-/:-@[-`{-~]/.test(c) || /\p{P}/u.test(c)),
};
const ranges = (cps) => {
  const out = [];
  for (const cp of cps) {
    const last = out[out.length - 1];
    if (last && last[1] === cp - 1) last[1] = cp;
    else out.push([cp, cp]);
  }
  return out;
};
const lines = [];
for (const key of ["other", "mark", "punct"]) {
  const want = expand(rust[key]);
  const extra = [], missing = [];
  for (let cp = 0; cp < 0x110000; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const ours = js[key](String.fromCodePoint(cp), cp);
    if (ours && !want.has(cp)) extra.push(cp);
    if (!ours && want.has(cp)) missing.push(cp);
  }
  const show = (cps) => JSON.stringify(ranges(cps).map(([a, b]) => (a === b ? a : [a, b])));
  lines.push(`  ${key}: { newer: ${show(extra)}, older: ${show(missing)} },`);
}
const out = `/**
 * Where the runtime's Unicode classes (Node ${process.versions.node}, Unicode ${process.versions.unicode}) differ from those of
 * \`tokenizers\` ${rust.tokenizers}'s BERT components: written by scripts/hf/bert-unicode.mjs from a sweep of every code point
 * (scripts/hf/bert_unicode_sweep.py). "newer": in the runtime's class, not in the Rust library's (characters its
 * tables predate); "older": the reverse (characters whose category changed since). Browser-safe.
 */
type Ranges = ReadonlyArray<number | readonly [number, number]>;

const TABLES: Readonly<Record<"other" | "mark" | "punct", { newer: Ranges; older: Ranges }>> = {
${lines.join("\n")}
};

function has(ranges: Ranges, cp: number): boolean {
  return ranges.some((r) => (typeof r === "number" ? r === cp : r[0] <= cp && cp <= r[1]));
}

/** Whether the Rust library's answer for a code point differs from the runtime's class \`inRuntime\`. */
export function rustClass(table: keyof typeof TABLES, cp: number, inRuntime: boolean): boolean {
  const t = TABLES[table];
  return inRuntime ? !has(t.newer, cp) : has(t.older, cp);
}
`;
const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../src/tokenizer/bert-unicode.ts");
fs.writeFileSync(file, out);
console.log(`wrote ${file}`);
