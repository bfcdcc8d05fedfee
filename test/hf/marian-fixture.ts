/** The tiny Marian folder that scripts/hf/make_marian_fixtures.py saved with transformers, and what transformers computed with it. */
import * as path from "node:path";
import { fileURLToPath } from "node:url";

export const MARIAN_TINY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../test/fixtures/hf/marian-tiny");
export const MARIAN_TINY_EXPECTED = path.join(MARIAN_TINY, "expected");
