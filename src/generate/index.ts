export { greedyDecodeUncached } from "./greedy.js";
