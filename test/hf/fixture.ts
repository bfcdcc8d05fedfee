/** The tiny GPT-2 folder that scripts/hf/make_fixtures.py saved with transformers, and what transformers computed with it. */
import * as path from "node:path";
import { fileURLToPath } from "node:url";

export const GPT2_TINY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../test/fixtures/hf/gpt2-tiny");
export const GPT2_TINY_EXPECTED = path.join(GPT2_TINY, "expected");
