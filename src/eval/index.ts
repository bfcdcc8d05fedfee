/** Evaluation: BLEU and chrF with sacreBLEU's conventions, perplexity, accuracy. */
export { accuracy } from "./accuracy.js";
export { corpusBleu, type BleuOptions, type BleuResult, type BleuSmoothing } from "./bleu.js";
export { corpusChrf, type ChrfOptions, type ChrfResult } from "./chrf.js";
export { perplexity } from "./perplexity.js";
export { tokenize13a } from "./tokenize-13a.js";
export { evaluate, type EvalResult } from "./evaluate.js";
export { checkSelection, selectTexts, type Selection } from "./select.js";
