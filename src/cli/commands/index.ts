import type { Command } from "commander";
import { registerConformance } from "./conformance.js";
import { registerInit } from "./init.js";
import { registerTrain } from "./train.js";
import { registerTranslate } from "./translate.js";
import { registerGenerate } from "./generate.js";
import { registerAttention } from "./attention.js";
import { registerPositions } from "./positions.js";
import { registerBench } from "./bench.js";
import { registerEval } from "./eval.js";
import { registerClassify } from "./classify.js";
import { registerAverage } from "./average.js";
import { registerServe } from "./serve.js";
import { registerExport } from "./export.js";
import { registerExplain } from "./explain.js";
import { registerFillMask } from "./fill-mask.js";

/** Each command lives in its own file and registers itself on the program. */
export const commands: Array<(program: Command) => void> = [
  registerInit, registerConformance, registerTrain, registerTranslate, registerGenerate, registerAttention, registerPositions, registerBench, registerEval,
  registerClassify, registerAverage, registerServe, registerExport, registerExplain, registerFillMask,
];
