/**
 * The model worker: holds the loaded checkpoint, translates (streaming each token back as it is chosen) and
 * inspects; a decoder_only or encoder_only model generates, classifies or fills masks (tasks.ts). All model
 * compute runs here, so the page never waits on it.
 */
import { type BeamConvention, beamSearch, labelNames, prepareSearch, streamOne, type StepDecoder } from "../../../src/generate/index.js";
import { inspectSeq2Seq, tokenLabel } from "../../../src/inspect/index.js";
import type { EncoderOnly } from "../../../src/models/encoder-only.js";
import type { Seq2Seq } from "../../../src/models/seq2seq.js";
import type { TextTokenizer } from "../../../src/tokenizer/index.js";
import type { CheckpointSource, InspectParams, ModelApi } from "../protocol.js";
import { type Handlers, serveWorker } from "../rpc.js";
import { chooseBackend, leaveLostGpu } from "./backend.js";
import { type LoadedCheckpoint, loadCheckpointFrom } from "./checkpoint.js";
import { classifyText, fillMaskText, generateText, inspectGenerated, taskOf, views } from "./tasks.js";
import { explainWalk, notesToy } from "./walk.js";

/** Next tokens listed per decoder position. */
const TOP_N = 10;

interface Translator {
  model: Seq2Seq;
  srcTokenizer: TextTokenizer;
  tgtTokenizer: TextTokenizer;
  srcLabel: (id: number) => string;
  tgtLabel: (id: number) => string;
  /** A Hugging Face translator (Marian) decodes as transformers' generate() does: its beam length convention. */
  beamConvention: BeamConvention;
}

let loaded: LoadedCheckpoint | null = null;
/** Where `loaded` came from: a lost GPU took its weights, and they are read again from here. */
let loadedFrom: CheckpointSource | null = null;
/** The loaded checkpoint when it translates (seq2seq). */
let translator: Translator | null = null;

function folder() {
  if (!loaded) throw new Error("load a checkpoint first");
  return loaded.folder;
}

function current(): Translator {
  const f = folder();
  if (!translator) throw new Error(`the loaded model is ${f.parts.config.architecture}${f.huggingFace ? ` (${f.huggingFace})` : ""}, not an encoder-decoder: it does not translate`);
  return translator;
}

/** The library's inspection of a source and its translation; the decoder reads <s> and the translation without its </s>, as in the CLI. */
function inspect(p: InspectParams) {
  if (folder().parts.config.architecture === "decoder_only") return inspectGenerated(folder(), p);
  const { model, srcLabel, tgtLabel } = current();
  const c = model.config;
  const body = p.outIds.at(-1) === c.eos_id ? p.outIds.slice(0, -1) : p.outIds;
  const target = [c.bos_id, ...body].slice(0, c.max_len);
  return inspectSeq2Seq(model, p.srcIds, target, { temperature: p.temperature, topN: TOP_N, sourceLabel: srcLabel, targetLabel: tgtLabel });
}

/** Wraps a step decoder to follow the live beams: row r's tokens after each step (row 0 is the best). */
function followBeams(inner: StepDecoder, onStep: (best: number[], step: number) => void): StepDecoder {
  let rows: number[][] = [[]];
  let step = 0;
  return {
    get rows() {
      return inner.rows;
    },
    get vocabSize() {
      return inner.vocabSize;
    },
    start: () => {
      rows = Array.from({ length: inner.rows }, () => []);
      return inner.start();
    },
    select(index) {
      rows = Array.from(index, (i) => rows[i]);
      inner.select(index);
    },
    step(tokens) {
      rows = rows.map((r, i) => [...r, tokens[i]]);
      onStep(rows[0], ++step);
      return inner.step(tokens);
    },
    positionsLeft: (row) => inner.positionsLeft(row),
  };
}

const handlers: Handlers<ModelApi> = {
  init: (p) => chooseBackend(p),

  async load(src) {
    const ckpt = await loadCheckpointFrom(src);
    const { folder: f } = ckpt;
    const task = taskOf(f);
    loaded = ckpt;
    loadedFrom = src;
    translator = null;
    if (task === "translate" && f.kind !== "wordpiece") {
      const { model, srcTokenizer, tgtTokenizer } = f.parts;
      translator = {
        model: model as Seq2Seq, srcTokenizer, tgtTokenizer, srcLabel: tokenLabel(srcTokenizer), tgtLabel: tokenLabel(tgtTokenizer),
        beamConvention: f.huggingFace ? "huggingface" : "gnmt",
      };
    }
    const c = f.parts.config;
    const sizes = c as unknown as Record<string, number | undefined>;
    const layers = sizes.num_layers ?? 0;
    return {
      source: ckpt.source,
      architecture: c.architecture,
      task,
      huggingFace: f.huggingFace ?? null,
      labels: task === "classify" ? labelNames(f.parts.model as EncoderOnly) : [],
      maskToken: f.kind === "wordpiece" ? f.parts.maskToken : null,
      dModel: c.d_model,
      numHeads: c.num_heads,
      dFF: c.d_ff,
      encoderLayers: sizes.num_encoder_layers ?? (c.architecture === "encoder_only" ? layers : 0),
      decoderLayers: sizes.num_decoder_layers ?? (c.architecture === "decoder_only" ? layers : 0),
      srcVocab: sizes.src_vocab_size ?? sizes.vocab_size ?? 0,
      tgtVocab: sizes.tgt_vocab_size ?? sizes.vocab_size ?? 0,
      maxLen: c.max_len,
      parameters: f.parts.model.parameters().reduce((s, p) => s + p.size, 0),
      separateTarget: f.kind === "bpe" && f.parts.tgtTokenizer !== f.parts.srcTokenizer,
      ignored: ckpt.ignored,
      scores: ckpt.scores,
      scoresError: ckpt.scoresError,
    };
  },

  async translate(p, ctx) {
    const { model, srcTokenizer, tgtTokenizer, srcLabel, tgtLabel, beamConvention } = current();
    const t0 = performance.now();
    const encoded = srcTokenizer.encode(p.text.trim());
    if (encoded.length === 0) throw new Error("type a sentence to translate");
    // the library refuses a source over max_len; like the CLI's translate, keep its first max_len tokens and say so
    const maxLen = model.config.max_len;
    const srcIds = encoded.slice(0, maxLen);
    ctx.emit({ type: "source", tokens: views(srcIds, srcLabel), inputTokens: encoded.length, maxLen });
    let outIds: number[];
    let finish: string;
    if (p.strategy === "greedy") {
      ({ ids: outIds, finish } = await streamOne(model, srcIds, { strategy: "greedy" }, { detokenizer: tgtTokenizer },
        (piece) => ctx.emit({ type: "token", token: { id: piece.token, label: tgtLabel(piece.token) }, text: piece.text })));
    } else {
      const { setup, cfg } = prepareSearch(model, [srcIds], { strategy: "beam", numBeams: p.numBeams, beamConvention });
      const decoder = followBeams(setup.decoder, (best, step) => {
        ctx.emit({ type: "beam", step, tokens: views(best, tgtLabel), text: tgtTokenizer.decode(best) });
      });
      const best = beamSearch({ ...setup, decoder }, cfg)[0][0];
      outIds = best.tokens;
      finish = best.finish;
    }
    return {
      srcIds, outIds, tokens: views(outIds, tgtLabel), text: tgtTokenizer.decode(outIds), finish, beamConvention,
      ms: performance.now() - t0,
    };
  },

  generate: (p, ctx) => generateText(folder(), p, (e) => ctx.emit(e)),

  classify: (p) => classifyText(folder(), p.text),

  fillMask: (p) => fillMaskText(folder(), p),

  inspect: (p) => inspect(p),

  nextTokens: (p) => inspect(p).next,

  explain: (p) => explainWalk(p, () => {
    const { model, srcTokenizer, srcLabel, tgtLabel } = current();
    return { model, encode: (text) => srcTokenizer.encode(text), srcLabel, tgtLabel };
  }),

  trainNotesToy: (p, ctx) => notesToy(p, (e) => ctx.emit(e)),
};

// a lost GPU: WebAssembly instead, the checkpoint read again onto it, and the page told; the call that met the loss
// fails with what happened, and the next one runs on WebAssembly
serveWorker<ModelApi>(handlers, async (err) => {
  const left = await leaveLostGpu(err);
  if (!left) return null;
  if (loadedFrom) await handlers.load(loadedFrom, { emit: () => {} });
  return { notice: left.info, message: `${left.why}; the page switched to ${left.info.name}${loadedFrom ? " and reloaded the model" : ""}: try again` };
});
