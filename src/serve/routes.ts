import type { ServerResponse } from "node:http";
import { type Classification, type Hypothesis, classify, generate, stream, topLabels } from "../generate/index.js";
import type { GenerativeModel } from "../models/architectures/registry.js";
import { type InferenceParts, promptIds } from "../run/index.js";
import type { Batcher, Job } from "./batcher.js";
import { HttpError } from "./http-error.js";
import type { ServeLimits } from "./limits.js";
import type { Metrics } from "./metrics.js";
import { type TextRequest, parseClassifyRequest, parseTextRequest } from "./requests.js";

export interface RouteContext {
  parts: InferenceParts;
  batcher: Batcher;
  metrics: Metrics;
  limits: ServeLimits;
  /** Withdraws the request's job when its client goes away. */
  signal: AbortSignal;
}

/** The routes that run the model, and the architecture each needs. */
export const MODEL_ROUTES = {
  "/v1/translate": "seq2seq",
  "/v1/generate": "decoder_only",
  "/v1/classify": "encoder_only",
} as const;

export type ModelRoute = keyof typeof MODEL_ROUTES;

/** A route whose architecture is not the loaded model's: 404, naming the route that serves it. */
export function requireArchitecture(route: ModelRoute, arch: string): void {
  if (MODEL_ROUTES[route] === arch) return;
  const own = (Object.keys(MODEL_ROUTES) as ModelRoute[]).find((r) => MODEL_ROUTES[r] === arch);
  const need = MODEL_ROUTES[route];
  throw new HttpError(404, `this server runs a ${arch} model; ${route} needs ${/^[aeiou]/.test(need) ? "an" : "a"} ${need} checkpoint${own ? ` (use ${own})` : ""}`);
}

/** An encoded input: its ids and how many tokens of it were cut to fit max_len. */
interface Encoded {
  ids: number[];
  truncated: number;
}

/** translate: the source's first max_len tokens, as the CLI's translate; generate: the prompt (promptIds), its last max_len tokens. */
function encodeInputs(ctx: RouteContext, route: "translate" | "generate", texts: string[]): Encoded[] {
  const { srcTokenizer, config } = ctx.parts;
  return texts.map((t) => {
    const ids = route === "generate" ? promptIds(ctx.parts, t) : srcTokenizer.encode(t);
    const truncated = Math.max(0, ids.length - config.max_len);
    return { ids: route === "translate" ? ids.slice(0, config.max_len) : ids.slice(truncated), truncated };
  });
}

/** The fields every text answer carries beside its texts. */
function extras(req: TextRequest, hyps: (Hypothesis | null)[], enc: Encoded[]): Record<string, unknown> {
  const out: Record<string, unknown> = { finish: hyps.map((h) => h?.finish ?? "empty") };
  if (req.ids) out.ids = hyps.map((h) => h?.tokens ?? []);
  if (enc.some((e) => e.truncated > 0)) out.truncated_tokens = enc.map((e) => e.truncated);
  if (req.resolved.strategy === "sample") out.seed = req.resolved.seed;
  return out;
}

/**
 * POST /v1/translate and /v1/generate. Greedy and beam requests with the same options share batches with
 * other requests (the library decodes a batch exactly as each input alone); a sampling request is decoded on
 * its own (one generator serves a batch, and its seed must repeat its own samples); a stream on its own too.
 * Empty translate texts get "" without decoding, as translateCorpus gives.
 */
export async function textRoute(ctx: RouteContext, route: "translate" | "generate", body: unknown, res: ServerResponse): Promise<unknown> {
  const req = parseTextRequest(body, route, ctx.limits.maxTexts);
  if (req.resolved.strategy === "sample") req.config.seed = req.resolved.seed;
  const enc = encodeInputs(ctx, route, req.texts);
  const model = ctx.parts.model as GenerativeModel;
  const decode = (inputs: number[][]): Hypothesis[][] => timed(ctx, inputs.length, () => generate(model, inputs, req.config).results);
  const key = req.resolved.strategy === "sample" || req.stream ? undefined : `${route} ${JSON.stringify({ ...req.resolved, seed: 0 })}`;
  const todo = enc.map((e, i) => i).filter((i) => enc[i].ids.length > 0);
  const answerKey = route === "translate" ? "translations" : "completions";
  const toText = (h: Hypothesis) => ctx.parts.tgtTokenizer.decode(h.tokens, { skipSpecial: true });

  if (req.stream) {
    const job: Job<number, null> = { key, items: todo, lengths: todo.map((i) => enc[i].ids.length), width: 1, run: () => streamAnswer(ctx, req, enc, todo, res, answerKey).then(() => todo.map(() => null)) };
    await ctx.batcher.submit(job, ctx.signal);
    return undefined;
  }
  const hyps: (Hypothesis | null)[] = enc.map(() => null);
  if (todo.length > 0) {
    const width = req.resolved.strategy === "beam" ? req.resolved.numBeams : 1;
    const job: Job<number[], Hypothesis> = {
      key, items: todo.map((i) => enc[i].ids), lengths: todo.map((i) => enc[i].ids.length), width,
      run: (items) => decode(items).map((r) => r[0]),
    };
    const results = await ctx.batcher.submit(job, ctx.signal);
    todo.forEach((i, k) => (hyps[i] = results[k]));
  }
  return { [answerKey]: hyps.map((h) => (h ? toText(h) : "")), ...extras(req, hyps, enc) };
}

/** Decodes `count` rows with `fn`, counting its rows, generated tokens and time in the metrics. */
function timed(ctx: RouteContext, count: number, fn: () => Hypothesis[][]): Hypothesis[][] {
  const started = performance.now();
  const out = fn();
  ctx.metrics.batch(count, out.reduce((s, r) => s + r[0].tokens.length, 0), (performance.now() - started) / 1000);
  return out;
}

/**
 * Server-sent events: one `data: {"index", "token", "text", "finish"}` per token as the library's stream yields
 * it, then `event: done` with the answer a plain request would get. A client that goes away stops the decoding.
 */
async function streamAnswer(ctx: RouteContext, req: TextRequest, enc: Encoded[], todo: number[], res: ServerResponse, answerKey: string): Promise<void> {
  res.writeHead(200, { "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-store", "X-Accel-Buffering": "no" });
  const send = (event: string | undefined, data: unknown) => res.write(`${event ? `event: ${event}\n` : ""}data: ${JSON.stringify(data)}\n\n`);
  const hyps: (Hypothesis | null)[] = enc.map(() => null);
  const texts = enc.map(() => "");
  if (todo.length > 0) {
    const started = performance.now();
    const it = stream(ctx.parts.model as GenerativeModel, todo.map((i) => enc[i].ids), req.config, { detokenizer: ctx.parts.tgtTokenizer });
    let tokens = 0;
    for (;;) {
      if (res.destroyed) {
        await it.return(undefined as never);
        return;
      }
      const r = await it.next();
      if (r.done) {
        r.value.results.forEach((h, k) => (hyps[todo[k]] = h[0]));
        break;
      }
      const index = todo[r.value.input];
      texts[index] += r.value.text;
      tokens++;
      send(undefined, { index, token: r.value.token, text: r.value.text, finish: r.value.finish });
    }
    ctx.metrics.batch(todo.length, tokens, (performance.now() - started) / 1000);
  }
  send("done", { [answerKey]: texts, ...extras(req, hyps, enc) });
  res.end();
}

/** POST /v1/classify: texts from many requests share batches (padding does not change a text's logits). */
export async function classifyRoute(ctx: RouteContext, body: unknown): Promise<unknown> {
  const req = parseClassifyRequest(body, ctx.limits.maxTexts);
  const { model, srcTokenizer, config } = ctx.parts;
  const lengths = req.texts.map((t) => Math.min(config.max_len, srcTokenizer.encode(t).length + 1));
  const job: Job<string, Classification> = {
    key: "classify", items: req.texts, lengths, width: 1,
    run: (items) => {
      const started = performance.now();
      const out = classify(model, srcTokenizer, items);
      ctx.metrics.batch(items.length, 0, (performance.now() - started) / 1000);
      return out;
    },
  };
  const results = await ctx.batcher.submit(job, ctx.signal);
  const shown = (c: Classification) => (req.top === undefined ? c.probabilities : topLabels(c, req.top));
  const out: Record<string, unknown> = {
    classifications: results.map((c) => ({ label: c.label, probabilities: Object.fromEntries(shown(c).map((p) => [p.label, p.probability])) })),
  };
  if (results.some((c) => c.truncatedTokens > 0)) out.truncated_tokens = results.map((c) => c.truncatedTokens);
  return out;
}
