/**
 * Inspection (browser-safe): attention weights, tokens and next-token probabilities of one input, drawn as SVG;
 * the intermediate values of one forward pass (explain), walked as an HTML page.
 */
export {
  type AttentionKind, type LayerAttention, type NextToken, type Inspection, type InspectOptions, type TokenLabeler,
  inspectSeq2Seq, inspectDecoderOnly, headWeights, meanOverHeads, topNextTokens, tokenLabel,
} from "./attention.js";
export { type Heatmap, type ColorScale, escapeXml, colorAt, drawHeatmap, heatmapGrid, svgDocument } from "./svg.js";
export { type AttentionFigureOptions, attentionSvg, positionsSvg } from "./figures.js";
export { type Series, lossCurveSvg } from "./loss-curve.js";
export { type ExplainOptions, explainSeq2Seq, explanationJson } from "./explain.js";
export { DEFAULT_DECODER_STEP, clampDecoderStep, decoderPositions, greedyTranslation, prefixAt } from "./explain-decoder-step.js";
export type * from "./explain-record.js";
export { explainSteps, explanationHtml } from "./explain-html.js";
export { predictionAtTemperature, softmaxAtTemperature } from "./explain-temperature.js";
export { type WalkStep, SHOWN_COMPONENTS, colorStrip, exactNumber, formatNumber, matrixTable, numberCell, vectorTable, walkPage } from "./html.js";
