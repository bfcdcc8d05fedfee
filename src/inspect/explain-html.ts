/**
 * The walk through an explanation (src/inspect/explain.ts) as one self-contained HTML page, one section per step
 * in the tutorial's order: tokens, embeddings, positions, one token's query/key/value in one head, its scores,
 * softmax, weighted values, heads and W_O, Add & Norm, feed-forward, the encoder's output, the decoder's masked
 * self-attention and cross-attention, logits, temperature, the chosen token, the next step over the KV cache,
 * and beam search. Browser-safe: the page can render it too.
 */
import type { AddNormRecord, AttentionRecord, Explanation, Matrix } from "./explain-record.js";
import { barsFigure, planeFigure, weightsFigure } from "./explain-pictures.js";
import { SHOWN_COMPONENTS, type WalkStep, exactNumber, formatNumber, matrixTable, vectorTable, walkPage } from "./html.js";
import { escapeXml } from "./svg.js";

const e_ = escapeXml;

/** How the text names a non-ReLU activation. */
const ACTIVATION_LABEL: Readonly<Record<string, string>> = { gelu: "GELU", gelu_tanh: "GELU (tanh approximation)", silu: "SiLU (x·σ(x))" };

/** "3 ▁God": a position and its token, as rows and columns are labelled. */
function at(tokens: readonly string[]): string[] {
  return tokens.map((t, i) => `${i} ${t}`);
}

function num(x: number, key?: string): string {
  return `<span class="num"${key ? ` data-key="${key}"` : ""} title="${exactNumber(x)}">${formatNumber(x)}</span>`;
}

/** The weights of one head as a map: rows the queries, columns the keys (masked cells are 0). */
function weightsMap(a: AttentionRecord, h: number, rows: string[], cols: string[], title: string): string {
  return weightsFigure(`${title} (head ${h}; rows: queries, columns: keys)`, a.heads[h].weights, rows, cols);
}

/** The rows of an attention's focus: query row t of head h, against every key. */
function scoreTable(a: AttentionRecord, h: number, t: number, keyLabels: string[], prefix = ""): string {
  const head = a.heads[h];
  const maskRow = a.masked[t].map((m) => (m ? "−∞" : "0"));
  const cls = (_: number, c: number) => (a.masked[t][c] ? "masked" : "");
  return matrixTable(
    [head.scores[t], head.scaled[t], maskRow, head.weights[t]],
    ["q · k", `÷ √dK (× ${formatNumber(a.scale)})`, "+ mask", "softmax"],
    keyLabels, { cellClass: cls, rowKeys: ["scores", "scaled", "mask", "weights"].map((k) => prefix + k) },
  );
}

function addNormSection(r: AddNormRecord, t: number, label: string, sublayer: string, normFirst: boolean, eps: number, prefix = ""): string {
  const rows = normFirst
    ? [
      { label: `x (${label})`, values: r.input[t], key: `${prefix}x` },
      { label: "LN(x), what the sublayer read", values: r.norm.output[t], key: `${prefix}norm` },
      { label: `x + ${sublayer}(LN(x))`, values: r.sum[t], cls: "focus", key: `${prefix}sum` },
    ]
    : [
      { label: `x (${label})`, values: r.input[t], key: `${prefix}x` },
      { label: `x + ${sublayer}(x)`, values: r.sum[t], key: `${prefix}sum` },
      { label: `LN(x + ${sublayer}(x))`, values: r.norm.output[t], cls: "focus", key: `${prefix}norm` },
    ];
  const normed = normFirst ? "x" : `x + ${sublayer}(x)`;
  return `<p>The residual connection adds the sublayer's input to its output (paper §5.4); LayerNorm then rescales each position
to mean 0 and variance 1 over its ${r.input[t].length} components, times a learned gain γ plus a bias β:
LN(v) = (v − mean) / √(variance + ${formatNumber(eps)}) · γ + β.${normFirst ? " This model is pre-LN: the norm comes before the sublayer, and the sum is the output." : ""}</p>
${r.input[t].length === 2 ? `<p class="note">With two components, v − mean is ±(v₀ − v₁)/2: every normalised vector lies on one line, its place on it set by v₀ − v₁ alone.</p>` : ""}
<p>Of ${e_(normed)} at this position: mean ${num(r.norm.mean[t], `${prefix}mean`)}, variance ${num(r.norm.variance[t], `${prefix}variance`)}.</p>
${vectorTable(rows)}`;
}

/** The sections of the walk. */
export function explainSteps(e: Explanation): WalkStep[] {
  const c = e.config;
  const { layer: L, head: H, token: I } = e.focus;
  const src = e.source.tokens;
  const srcAt = at(src);
  const enc = e.encoder;
  const layer = enc.layers[L];
  const att = layer.selfAttention;
  const head = att.heads[H];
  const where = `encoder layer ${L}, head ${H}, source token ${I} “${src[I]}”`;
  const fw = e.focusWeights;
  const wRows = Math.min(4, c.dK);
  const first = e.steps[0];
  const tgt = first.input.tokens;
  const tgtAt = at(tgt);
  const J = tgt.length - 1;
  const dl = first.layers[L];
  const second = e.steps[1];
  const steps: WalkStep[] = [];
  const add = (id: string, title: string, body: string) => steps.push({ id, title, body });

  const subword = src.some((t) => t.includes("▁"));
  add("tokens", "Tokens and ids", `<p>The tokenizer splits the sentence into ${src.length} ${subword ? "subword tokens (▁ marks a leading space)" : "tokens"};
each token's id is its row in the embedding table of ${c.srcVocabSize} rows.</p>
<p class="tokens">${src.map((t, i) => `<span class="tok-chip${i === I ? " focus" : ""}" title="id ${e.source.ids[i]}">${e_(t)}</span>`).join(" ")}</p>
${matrixTable([e.source.ids.map(String)], ["id"], srcAt, { rowKeys: ["ids"] })}
${e.translation ? `<p>The model's greedy translation: ${e.translation.tokens.map((t) => `“${e_(t)}”`).join(" ")}. The walk follows its decoder position ${e.translation.decoderStep},
where the decoder has read its start token and the first ${e.translation.decoderStep} token${e.translation.decoderStep === 1 ? "" : "s"} it chose, and predicts the next.</p>` : ""}
<p class="note">The decoder starts from its own input: ${tgt.map((t) => `“${e_(t)}”`).join(" ")} (ids ${first.input.ids.join(", ")}).</p>`);

  const emb = enc.embedding;
  add("embedding", "Embedding rows", `<p>Each id picks one row of ${c.dModel} learned numbers (paper §3.4).
${c.scaleEmbeddings ? `The rows are multiplied by √dModel = √${c.dModel} = ${formatNumber(emb.scale)}, so that the positional encoding added next does not drown them.` : "This model does not scale its embeddings."}
The strip on the right shows all ${c.dModel} components: blue below 0, red above.</p>
${vectorTable(emb.rows.map((v, t) => ({ label: srcAt[t], values: v, cls: t === I ? "focus" : "", key: `row.${t}` })), { caption: "rows of the embedding table" })}
${vectorTable(emb.scaled.map((v, t) => ({ label: srcAt[t], values: v, cls: t === I ? "focus" : "", key: `scaled.${t}` })), { caption: `× ${formatNumber(emb.scale)}` })}`);

  add("positions", "Positional encoding", `<p>Attention alone cannot tell positions apart, so each position adds its own vector (paper §3.5)${c.positional === "sinusoidal"
    ? c.sinusoidLayout === "halves"
      ? `: the paper's sin(pos / 10000<sup>2i/${c.dModel}</sup>) and cos(pos / 10000<sup>2i/${c.dModel}</sup>), laid out as Marian lays them: every sine in the first half, every cosine in the second — fast waves at the start of each half, slow ones at its end.`
      : `: PE(pos, 2i) = sin(pos / 10000<sup>2i/${c.dModel}</sup>), PE(pos, 2i+1) = cos(pos / 10000<sup>2i/${c.dModel}</sup>) — fast waves in the first components, slow ones in the last.`
    : ": this model learned a table of them."}</p>
${vectorTable(emb.positional.map((v, t) => ({ label: `position ${emb.positions[t]}`, values: v, cls: t === I ? "focus" : "", key: `pe.${t}` })), { caption: "positional terms" })}
${vectorTable([
    { label: "embedding × scale", values: emb.scaled[I], key: "scaled" },
    { label: `+ PE(${emb.positions[I]})`, values: emb.positional[I], key: "pe" },
    { label: "= the first layer's input", values: emb.sum[I], cls: "focus", key: "sum" },
  ], { caption: `token ${I} “${src[I]}”` })}
${c.dModel === 2 ? planeFigure("embedding × scale, then + PE: arrows head to tail", emb.sum.flatMap((s, t) => [
    { label: `${src[t]} × ${formatNumber(emb.scale)}`, x: emb.scaled[t][0], y: emb.scaled[t][1], from: [0, 0] as [number, number], color: t === I ? "#b35806" : "#888" },
    { label: `+ PE(${emb.positions[t]})`, x: s[0], y: s[1], from: [emb.scaled[t][0], emb.scaled[t][1]] as [number, number], color: t === I ? "#08519c" : "#9ecae1" },
  ])) : ""}`);

  add("qkv", "Query, key and value", `<p>${e_(where)}. The layer's input vector x (${L === 0 ? "the sum above" : `layer ${L - 1}'s output`})
is multiplied by three learned matrices: q = x W<sub>Q</sub>ᵀ + b<sub>Q</sub>, k = x W<sub>K</sub>ᵀ + b<sub>K</sub>, v = x W<sub>V</sub>ᵀ + b<sub>V</sub>.
Each of the ${c.numHeads} heads uses its own ${c.dK} of the ${c.dModel} output columns (dK = dModel / h); head ${H} uses columns ${H * c.dK}..${(H + 1) * c.dK - 1}.</p>
${vectorTable([
    { label: "x", values: layer.input[I], key: "x" },
    { label: `q (head ${H})`, values: head.q[I], cls: "focus", key: "q" },
    { label: `k (head ${H})`, values: head.k[I], key: "k" },
    { label: `v (head ${H})`, values: head.v[I], key: "v" },
  ])}
<p>Component j of q is the dot product of x with row j of head ${H}'s W<sub>Q</sub>, plus b<sub>Q</sub>[j]; ${wRows < c.dK ? `the first ${wRows} of its ${c.dK} rows` : `its ${c.dK} row${c.dK === 1 ? "" : "s"}`}:</p>
${vectorTable(fw.wQ.slice(0, wRows).map((w, j) => ({ label: `W_Q row ${j}`, values: w, key: `wq.${j}` })), { caption: `W_Q of encoder layer ${L}, head ${H} (${c.dK} × ${c.dModel})` })}
${matrixTable(fw.bQ.slice(0, wRows).map((b, j) => [b, head.q[I][j]]), fw.bQ.slice(0, wRows).map((_, j) => `j = ${j}`), ["b_Q[j]", "q[j] = x · W_Q row j + b_Q[j]"], { rowKeys: fw.bQ.slice(0, wRows).map((_, j) => `qj.${j}`) })}
<p class="note">W<sub>K</sub> and W<sub>V</sub> make k and v the same way, each from its own weights.</p>`);

  add("scores", "Dot products with every key", `<p>${e_(where)}. The query q of “${e_(src[I])}” is compared with every token's key by a dot
product: a large q · k means “look here”. Divided by √dK = √${c.dK} (paper §3.2.1), so that the products do not grow with the
width and push the softmax into regions where it barely changes.</p>
${vectorTable([{ label: `q ${srcAt[I]}`, values: head.q[I], cls: "focus", key: "q" }, ...head.k.map((v, s) => ({ label: `k ${srcAt[s]}`, values: v, key: `k.${s}` }))], { caption: `query and keys of head ${H}` })}
${matrixTable([head.scores[I], head.scaled[I]], ["q · k", "÷ √dK"], srcAt, { rowKeys: ["scores", "scaled"] })}`);

  add("softmax", "Mask and softmax", `<p>${e_(where)}. A mask adds −∞ to the scores of keys a query may not see, so that their weights come out 0:
in the encoder only padding is masked (here ${att.masked[I].some(Boolean) ? "some keys are" : "no key is"}); the decoder masks later positions too (below).
Softmax turns the scores into weights that are positive and sum to 1: w<sub>s</sub> = exp(z<sub>s</sub>) / Σ exp(z).</p>
${scoreTable(att, H, I, srcAt)}
<p>The weights sum to ${num(head.weights[I].reduce((a, b) => a + b, 0))}.</p>
${barsFigure(srcAt, head.weights[I], `weights of “${src[I]}”'s query`)}
${weightsMap(att, H, srcAt, srcAt, `encoder layer ${L}: every query's weights`)}`);

  const weighted = head.v.map((v, s) => ({ label: `${formatNumber(head.weights[I][s])} × v ${srcAt[s]}`, values: v.map((x) => head.weights[I][s] * x), key: `weighted.${s}` }));
  add("values", "Weighted sum of the values", `<p>${e_(where)}. Each token's value vector is scaled by its weight, and the scaled vectors are summed:
head ${H}'s output for “${e_(src[I])}” is Σ<sub>s</sub> w<sub>s</sub> v<sub>s</sub>, a mix of what the tokens it attends to carry.</p>
<p class="note">The scaled rows are multiplied out here for the picture; the last row is the attention kernel's own output.</p>
${vectorTable(head.v.map((v, s) => ({ label: `v ${srcAt[s]}`, values: v, key: `v.${s}` })), { caption: `values of head ${H}` })}
${vectorTable([...weighted, { label: `= head ${H}'s output`, values: head.output[I], cls: "focus", key: "output" }])}`);

  add("heads", "Heads concatenated, then W_O", `<p>Every head does the same with its own W<sub>Q</sub>, W<sub>K</sub>, W<sub>V</sub>; their ${c.numHeads} outputs of ${c.dK}
are put side by side (${c.numHeads} × ${c.dK} = ${c.dModel}) and multiplied by W<sub>O</sub> (paper §3.2.2): MultiHead = Concat(head<sub>1</sub>..head<sub>h</sub>) W<sub>O</sub>.</p>
${vectorTable([
    ...att.heads.map((h, i) => ({ label: `head ${i}`, values: h.output[I], cls: i === H ? "focus" : "", key: `head.${i}` })),
    { label: "concat", values: att.concat[I], key: "concat" },
    { label: "concat W_Oᵀ + b_O", values: att.output[I], cls: "focus", key: "output" },
  ])}`);

  add("add-norm-1", "Residual and LayerNorm", `<p>${e_(where)}.</p>${addNormSection(layer.addNorm1, I, "the layer's input", "MultiHead", c.normFirst, c.layerNormEps, "an1.")}`);

  const ff = layer.feedForward;
  add("feed-forward", "Feed-forward layer", `<p data-key="zeros" data-value="${ff.zeros[I]}">Each position then goes through the same two-layer network on its own (paper §3.3):
FFN(x) = ${c.activation === "relu" ? "max(0, x W<sub>1</sub> + b<sub>1</sub>)" : `${ACTIVATION_LABEL[c.activation]}(x W<sub>1</sub> + b<sub>1</sub>)`} W<sub>2</sub> + b<sub>2</sub>, from ${c.dModel} to dFF = ${c.dFF} hidden units and back.
${c.activation === "relu" ? "ReLU sets every negative hidden unit to 0" : `${ACTIVATION_LABEL[c.activation]} shrinks negative hidden units towards 0`}: for “${e_(src[I])}”, ${ff.zeros[I]} of ${c.dFF} are 0 (grey).</p>
${vectorTable([
    { label: "x W₁ᵀ + b₁", values: ff.hidden[I], key: "hidden" },
    { label: c.activation, values: ff.activated[I], key: "activated" },
    { label: "FFN(x)", values: ff.output[I], cls: "focus", key: "ffn" },
  ], { first: Math.min(c.dFF, 16) })}
${addNormSection(layer.addNorm2, I, "the feed-forward layer's input", "FFN", c.normFirst, c.layerNormEps, "an2.")}`);

  add("encoder-output", "The encoder's output", `<p>The encoder repeats such layers ${c.numEncoderLayers} times, each with its own weights${c.finalNorm ? ", then applies a last LayerNorm" : " (no LayerNorm after the last: each layer's own ends it)"}.
Its output has one vector per source token, each now mixed with what it attended to: the keys and values of every decoder layer's cross-attention.</p>
${vectorTable(enc.output.map((v, s) => ({ label: srcAt[s], values: v, cls: s === I ? "focus" : "", key: `out.${s}` })))}
${c.dModel === 2 ? planeFigure("the encoder's output, one point per source token", enc.output.map((v, s) => ({ label: src[s], x: v[0], y: v[1], color: s === I ? "#b35806" : "#08519c" }))) : ""}`);

  const demb = first.embedding;
  add("decoder-start", "The decoder starts", `<p>The decoder writes the translation one token at a time, starting from ${tgt.length === 1 ? "its start token" : "its start token and the prefix"}
${tgt.map((t) => `“${e_(t)}”`).join(" ")}. Its input is made as the encoder's: embedding × scale + positional encoding.</p>
${vectorTable([
    { label: `embedding ${tgtAt[J]}`, values: demb.rows[J], key: "row" },
    { label: `× ${formatNumber(demb.scale)}`, values: demb.scaled[J], key: "scaled" },
    { label: `+ PE(${demb.positions[J]})`, values: demb.positional[J], key: "pe" },
    { label: "= the decoder's input", values: demb.sum[J], cls: "focus", key: "sum" },
  ])}`);

  const ds = dl.selfAttention;
  const dh = ds.heads[H];
  const maskMatrix = ds.masked.map((row) => row.map((m) => (m ? "−∞" : "0")));
  const maskedCell = (r: number, c2: number) => (ds.masked[r][c2] ? "masked" : "");
  const rowsAt = (what: string) => tgtAt.map((_, r) => `${what}.${r}`);
  const hidden = ds.masked.flat().filter(Boolean).length;
  add("masked-self-attention", "Masked self-attention", `<p>Decoder layer ${L}, head ${H}, position ${J} “${e_(tgt[J])}”. The decoder's self-attention is the encoder's with
one change: a position may not look at later ones — while training, the whole target is read at once, and a query must not see the
word it is to predict. The mask adds −∞ above the diagonal; after the softmax those weights are 0.</p>
${matrixTable(maskMatrix, tgtAt, tgtAt, { caption: "mask (rows: queries, columns: keys)", cellClass: maskedCell, rowKeys: rowsAt("mask") })}
${tgt.length === 1 ? `<p class="note">With one position there is nothing later to hide; decoding over a KV cache (the next step, below) the cache only holds earlier positions, so the mask hides nothing there either. It matters when the decoder reads a whole target at once (training; <code>--target</code>, <code>--decoder-step</code>).</p>`
    : `<p>All ${tgt.length} positions are computed at once, as in training, and the mask hides ${hidden} of the ${tgt.length * tgt.length} query–key pairs: row t sees keys 0..t.
Head ${H}'s scores ÷ √dK with the mask added, then the softmax of each row:</p>
${matrixTable(dh.scaled.map((row, r) => row.map((x, c2) => (ds.masked[r][c2] ? "−∞" : x))), tgtAt, tgtAt, { caption: "q · k ÷ √dK + mask", cellClass: maskedCell, rowKeys: rowsAt("masked-scores") })}
${matrixTable(dh.weights, tgtAt, tgtAt, { caption: "softmax (each row sums to 1)", cellClass: maskedCell, rowKeys: rowsAt("weights") })}
<p>The last row, “${e_(tgt[J])}”, is the one that predicts the next token; it is the only row that sees every key, the first sees only itself.</p>`}
${scoreTable(ds, H, J, tgtAt)}
${weightsMap(ds, H, tgtAt, tgtAt, `decoder layer ${L}: masked self-attention weights`)}
${addNormSection(dl.addNorm1, J, "the decoder layer's input", "MaskedMultiHead", c.normFirst, c.layerNormEps, "an1.")}`);

  const cr = dl.crossAttention;
  const ch = cr.heads[H];
  add("cross-attention", "Cross-attention", `<p>Decoder layer ${L}, head ${H}, position ${J}. Here the queries come from the decoder and the keys and values
from the encoder's output (paper §3.2.3): this is where the translation reads the source.</p>
${vectorTable([{ label: `q ${tgtAt[J]}`, values: ch.q[J], cls: "focus", key: "q" }, ...ch.k.map((v, s) => ({ label: `k ${srcAt[s]} (encoder)`, values: v, key: `k.${s}` })), ...ch.v.map((v, s) => ({ label: `v ${srcAt[s]} (encoder)`, values: v, key: `v.${s}` }))])}
${scoreTable(cr, H, J, srcAt)}
${weightsMap(cr, H, tgtAt, srcAt, `decoder layer ${L}: cross-attention weights`)}
${vectorTable([{ label: `head ${H}'s output`, values: ch.output[J], key: "output" }, { label: "concat W_Oᵀ + b_O", values: cr.output[J], cls: "focus", key: "attn" }])}
${addNormSection(dl.addNorm2, J, "the masked self-attention's output", "CrossAttention", c.normFirst, c.layerNormEps, "an2.")}
${vectorTable([{ label: "FFN", values: dl.feedForward.output[J], key: "ffn" }, { label: `layer ${L}'s output`, values: dl.output[J], cls: "focus", key: "layer-output" }], { caption: `then the feed-forward layer (${dl.feedForward.zeros[J]} of ${c.dFF} hidden units 0)` })}`);

  const pr = first.prediction;
  add("logits", "Logits", `<p>After ${c.numDecoderLayers} decoder layers${c.finalNorm ? " and a last LayerNorm" : ""}, the vector of the last position is multiplied by a final linear
layer${c.tieWordEmbeddings ? " (its matrix is the embedding table's, shared: paper §3.4)" : ""}: one score (logit) per target token, ${c.tgtVocabSize} of them. The largest:</p>
${vectorTable([{ label: "decoder output", values: first.output[J], key: "output" }])}
${vectorTable([{ label: "logits", values: first.logits[J], key: "logits" }], { strip: c.tgtVocabSize > SHOWN_COMPONENTS, caption: c.tgtVocabSize > SHOWN_COMPONENTS ? `the first logits of ${c.tgtVocabSize}, and all of them as a strip` : `all ${c.tgtVocabSize} logits` })}
${matrixTable(pr.top.map((t) => [String(t.id), t.logit]), pr.top.map((t) => t.token), ["id", "logit"], { rowKeys: pr.top.map((_, i) => `top.${i}`) })}`);

  add("temperature", "Softmax with a temperature", `<p>Softmax turns logits into probabilities; dividing the logits by a temperature τ first sharpens the
distribution (τ &lt; 1) or flattens it (τ &gt; 1): p = exp(z/τ) / Σ exp(z/τ). Here τ = ${formatNumber(pr.temperature)}.</p>
${matrixTable(pr.top.map((t) => [t.logit, t.prob, t.probAtTemperature]), pr.top.map((t) => t.token), ["logit", "p (τ = 1)", `p (τ = ${formatNumber(pr.temperature)})`], { rowKeys: pr.top.map((_, i) => `top.${i}`) })}
${barsFigure(pr.top.map((t) => t.token), pr.top.map((t) => t.probAtTemperature), `p at τ = ${formatNumber(pr.temperature)}`)}`);

  const best = pr.top[0];
  add("chosen", "The chosen token", `<p>Greedy search takes the most likely token: <strong data-key="chosen" data-id="${pr.chosen.id}">“${e_(pr.chosen.token)}”</strong> (id ${pr.chosen.id}, p = ${num(best.prob, "p")}).
A temperature changes how sure the model looks, not which token is largest; sampling would draw from the distribution instead.
${pr.chosen.id === c.eosId ? "It is the end-of-sentence token: the translation would end here." : ""}</p>`);

  if (second) {
    const sl = second.layers[L];
    const ss = sl.selfAttention;
    const sh = ss.heads[H];
    const keys = [...tgt, ...second.input.tokens];
    const reuse = ss.cache.reusedRows;
    const rowLabel = (s: number) => `${s} ${keys[s]} ${s < reuse ? "(cache)" : "(new)"}`;
    const keyRows = (m: Matrix, what: string) => m.map((v, s) => ({ label: `${what} ${rowLabel(s)}`, values: v, cls: s < reuse ? "cache" : "new", key: `${what}.${s}` }));
    const sp = second.prediction;
    add("next-step", "The next step, over the KV cache", `<p>The chosen token “${e_(second.input.tokens[0])}” is fed back at position ${second.offset}. Only this one
position is computed: the keys and values of the ${reuse} earlier position${reuse === 1 ? "" : "s"} were kept in a cache by the step
before (rows marked “cache”: ${reuse === 1 ? "position 0" : `positions 0..${reuse - 1}`}, ${keys.slice(0, reuse).map((t) => `“${e_(t)}”`).join(" ")}), and only row ${reuse} is new.
No mask is needed: the cache holds only earlier positions. Cross-attention's keys and values came from the encoder's output once, at the first step, and are
all reused (${sl.crossAttention.cache.reusedRows} rows from the cache, ${sl.crossAttention.cache.newRows} new).</p>
${second.input.ids[0] === c.eosId ? `<p class="note">Greedy search would stop at “${e_(second.input.tokens[0])}”; it is fed here anyway, to show the cache at work.</p>` : ""}
${vectorTable([{ label: `q ${second.offset} ${second.input.tokens[0]}`, values: sh.q[0], cls: "focus", key: "q" }, ...keyRows(sh.k, "k"), ...keyRows(sh.v, "v")], { caption: `decoder layer ${L}, head ${H}` })}
${matrixTable([sh.scaled[0], sh.weights[0]], ["q · k ÷ √dK", "softmax"], keys.map((_, s) => rowLabel(s)), { rowKeys: ["scaled", "weights"] })}
${matrixTable(sp.top.map((t) => [String(t.id), t.logit, t.prob]), sp.top.map((t) => t.token), ["id", "logit", "p"], { caption: "the next prediction", rowKeys: sp.top.map((_, i) => `top.${i}`) })}
<p>Next token: <strong data-key="chosen" data-id="${sp.chosen.id}">“${e_(sp.chosen.token)}”</strong>. And so on, until the end-of-sentence token or a length limit.</p>`);
  }

  if (e.beam) {
    const b = e.beam;
    add("beam", "Aside: beam search", `<p>Greedy search keeps one hypothesis. Beam search (paper §6.1, beam ${b.numBeams}) keeps the ${b.numBeams} most likely
partial translations by their summed log-probability, extends each by every token, and keeps the best ${b.numBeams} again; finished ones are ranked
by log P / ((5 + |Y|)/6)<sup>α</sup> with α = ${formatNumber(b.lengthPenalty)}. At the first step it ranks the ${b.candidates.length} best tokens:</p>
${matrixTable(b.candidates.map((h, r) => [h.logProb, h.kept ? "kept" : h.ids[0] === c.eosId && r < b.numBeams ? "finished (eos)" : "not kept"]), b.candidates.map((h) => h.tokens.join(" ")), ["log p", ""],
    { cellClass: (r, c2) => (c2 === 1 && b.candidates[r].kept ? "kept" : ""), rowKeys: b.candidates.map((_, i) => `candidate.${i}`) })}
${b.live.slice(1).map((beams, s) => matrixTable(beams.map((h) => [h.logProb]), beams.map((h) => h.tokens.join(" ")), ["log P"], { caption: `live beams after step ${s + 2}` })).join("\n")}
${matrixTable(b.finished.map((h) => [h.logProb, h.score ?? 0, h.finish ?? ""]), b.finished.map((h) => h.tokens.join(" ")), ["log P", "score", "finish"], { caption: `finished within ${b.steps} step${b.steps === 1 ? "" : "s"}, best score first` })}
<p class="note">Greedy's first token was “${e_(pr.chosen.token)}”.</p>`);
  }
  return steps;
}

/** The walk as a self-contained HTML page (no external assets). `text`: the sentence, for the title. */
export function explanationHtml(e: Explanation, opts: { text?: string } = {}): string {
  const { layer, head, token } = e.focus;
  const title = opts.text !== undefined ? `Inside the Transformer: “${opts.text}”` : "Inside the Transformer";
  const c = e.config;
  const subtitle = `A walk through one real forward pass: dModel ${c.dModel}, ${c.numHeads} heads (dK ${c.dK}), dFF ${c.dFF}, ${c.numEncoderLayers} + ${c.numDecoderLayers} layers`
    + `${c.normFirst ? ", pre-LN" : ""}; looking at layer ${layer}, head ${head}, source token ${token}. Hover a number for its exact value.`;
  return walkPage(title, subtitle, explainSteps(e));
}
