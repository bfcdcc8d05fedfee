/** The tiny BERT folders that scripts/hf/make_bert_fixtures.py saved with transformers, and what transformers computed with them. */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";

export const BERT_TINY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../test/fixtures/hf/bert-tiny");
export const BERT_MLM = path.join(BERT_TINY, "mlm");
export const BERT_CLASSIFIER = path.join(BERT_TINY, "classifier");
export const BERT_BASE = path.join(BERT_TINY, "base");
export const BERT_EXPECTED = path.join(BERT_TINY, "expected");

/** expected/NAME parsed (gunzipped for .gz). */
export function bertExpected(name: string): any {
  const bytes = fs.readFileSync(path.join(BERT_EXPECTED, name));
  return JSON.parse((name.endsWith(".gz") ? gunzipSync(bytes) : bytes).toString("utf8"));
}
