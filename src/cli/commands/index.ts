import type { Command } from "commander";

/** Each command lives in its own file and registers itself on the program. */
export const commands: Array<(program: Command) => void> = [];
