/**
 * The model worker's tasks besides translation, on what loadFolderFiles loaded: greedy generation from a prompt
 * (decoder_only: ours or GPT-2), classification (encoder_only classifier: ours, or BERT with its WordPiece
 * tokenizer) and fill-mask (BERT masked-LM). The library computes; this only picks the call and labels tokens.
 */
import { classify, streamOne } from "../../../src/generate/index.js";
import { classifyWordPiece, fillMask, inspectWordPiece } from "../../../src/generate/masked-lm.js";
import { inspectDecoderOnly, tokenLabel } from "../../../src/inspect/index.js";
import type { DecoderOnly } from "../../../src/models/decoder-only.js";
import type { EncoderOnly } from "../../../src/models/encoder-only.js";
import type { FolderParts } from "../../../src/run/folder-files.js";
import { promptIds } from "../../../src/run/parts.js";
import type {
  ClassifyResult, FillMaskParams, FillMaskResult, GenerateEvent, GenerateParams, GenerateResult, InspectParams, ModelTask, TokenView,
} from "../protocol.js";

/** Next tokens listed per position. */
const TOP_N = 10;

export function views(ids: readonly number[], label: (id: number) => string): TokenView[] {
  return ids.map((id) => ({ id, label: label(id) }));
}

/** What the page runs a loaded folder for; one line naming the config's head when there is nothing to run. */
export function taskOf(folder: FolderParts): ModelTask {
  const c = folder.parts.config;
  if (c.architecture === "seq2seq") return "translate";
  if (c.architecture === "decoder_only") return "generate";
  const head = (c as { head?: string }).head ?? "classifier";
  if (head === "classifier") return "classify";
  if (head === "mlm" && folder.kind === "wordpiece") return "fill-mask";
  throw new Error(`config.json: this encoder_only model has head ${JSON.stringify(head)}${folder.huggingFace ? ` (${folder.huggingFace})` : ""}; the page classifies with a classifier head and fills masks with a BERT masked-LM (BertForSequenceClassification, BertForMaskedLM)`);
}

function bpe(folder: FolderParts, what: string) {
  if (folder.kind !== "bpe") throw new Error(`${what} needs a byte-level BPE model; this one is a ${folder.huggingFace} ${folder.kind === "wordpiece" ? "WordPiece" : "SentencePiece"} model`);
  return folder.parts;
}

/** Greedy continuation of the prompt (prompted as the checkpoint expects: GPT-2 without bos), each token streamed. */
export async function generateText(folder: FolderParts, p: GenerateParams, emit: (e: GenerateEvent) => void): Promise<GenerateResult> {
  const parts = bpe(folder, "generate");
  const label = tokenLabel(parts.srcTokenizer);
  const t0 = performance.now();
  const prompt = promptIds(parts, p.text);
  emit({ type: "prompt", tokens: views(prompt, label) });
  const { ids: outIds, finish } = await streamOne(parts.model as DecoderOnly, prompt, { strategy: "greedy", maxNewTokens: p.maxNewTokens }, { detokenizer: parts.srcTokenizer },
    (piece) => emit({ type: "token", token: { id: piece.token, label: label(piece.token) }, text: piece.text }));
  return { promptIds: prompt, outIds, tokens: views(outIds, label), text: parts.srcTokenizer.decode(outIds), finish, ms: performance.now() - t0 };
}

/** A decoder_only model's attention and next tokens over the prompt and its continuation (the last token read by none). */
export function inspectGenerated(folder: FolderParts, p: InspectParams) {
  const parts = bpe(folder, "inspect");
  const seq = [...p.srcIds, ...p.outIds];
  const ids = p.outIds.length > 0 ? seq.slice(0, -1) : seq;
  return inspectDecoderOnly(parts.model as DecoderOnly, ids.slice(0, parts.config.max_len), { temperature: p.temperature, topN: TOP_N, targetLabel: tokenLabel(parts.srcTokenizer) });
}

export function classifyText(folder: FolderParts, text: string): ClassifyResult {
  if (folder.kind === "wordpiece") {
    const { model, tokenizer } = folder.parts;
    const [r] = classifyWordPiece(model, tokenizer, [text]);
    const { inspection } = inspectWordPiece(model, tokenizer, text);
    return { tokens: views(inspection.sourceIds, tokenLabel(tokenizer)), label: r.label, probabilities: r.probabilities, truncatedTokens: r.truncatedTokens, inspection };
  }
  const { model, srcTokenizer } = folder.parts;
  const [r] = classify(model as EncoderOnly, srcTokenizer, [text]);
  return { tokens: [], label: r.label, probabilities: r.probabilities, truncatedTokens: r.truncatedTokens, inspection: null };
}

export function fillMaskText(folder: FolderParts, p: FillMaskParams): FillMaskResult {
  if (folder.kind !== "wordpiece") throw new Error("fill-mask needs a BERT masked-LM folder");
  const { model, tokenizer, maskToken } = folder.parts;
  const r = fillMask(model, tokenizer, p.text, { topK: p.topK, maskToken });
  const { inspection } = inspectWordPiece(model, tokenizer, p.text);
  return { tokens: views(inspection.sourceIds, tokenLabel(tokenizer)), masks: r.masks, truncatedTokens: r.truncatedTokens, inspection };
}
