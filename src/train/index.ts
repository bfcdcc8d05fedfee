export { Adam, type AdamOptions, type AdamSlot } from "./optimizer.js";
export { noamRate, cosineRate } from "./schedule.js";
export { clipGradNorm } from "./clip.js";
export { forwardLoss, type TrainBatch } from "./loss.js";
export { trainStep, type StepOptions, type StepResult } from "./step.js";
