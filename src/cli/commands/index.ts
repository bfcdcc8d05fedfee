import type { Command } from "commander";
import { registerConformance } from "./conformance.js";
import { registerInit } from "./init.js";
import { registerTrain } from "./train.js";

/** Each command lives in its own file and registers itself on the program. */
export const commands: Array<(program: Command) => void> = [registerInit, registerConformance, registerTrain];
