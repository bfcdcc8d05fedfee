#!/usr/bin/env node
import { Command } from "commander";
import { useBackend } from "../backend/select.js";
import { OptionError } from "../errors.js";
import { commands } from "./commands/index.js";
import { flagOf } from "./flags.js";

const program = new Command();
program
  .name("transformer")
  .description("Train, run and inspect Transformers (seq2seq, decoder-only, encoder-only) in TypeScript")
  .showSuggestionAfterError()
  .addHelpText("after", `
Environment: TRANSFORMER_BACKEND=js|wasm|native|webgpu|js-device picks the kernels (default: webgpu on a hardware GPU
adapter, never a software one; else the fastest CPU backend that loads: native, wasm, js);
TRANSFORMER_THREADS=N sets the wasm and native backends' threads (default: the number of cores), and keeps the default on the CPU.`)
  // choose the kernels once, before any command runs (not for --help)
  .hook("preAction", async () => {
    await useBackend();
  });
for (const register of commands) register(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  // One clear line for the errors we expect users to hit; a stack trace only for real bugs.
  // Options are named as typed: the library's keys become flags.
  if (err instanceof OptionError) {
    process.stderr.write(`transformer: ${err.named(flagOf)}\n`);
  } else if (err instanceof Error && (err as { userFacing?: boolean }).userFacing) {
    process.stderr.write(`transformer: ${err.message}\n`);
  } else {
    process.stderr.write(`transformer: internal error: ${err instanceof Error ? err.stack : String(err)}\n`);
  }
  process.exitCode = 1;
});
