import { type Command, Option } from "commander";
import type { OptionNamer } from "../errors.js";
import type { AnySpec, OptionTable, ResumeKind } from "../run/index.js";
import { integerOption, numberOption } from "./options.js";

/** Switches that turn a boolean option off (its default is on), with their own help. */
const OFF_SWITCHES: Record<string, { flag: string; help: string }> = {
  sharedVocab: { flag: "--separate-vocab", help: "separate source and target vocabularies (seq2seq); default shared" },
};

/** Options whose flag is not their key in kebab case. */
const RENAMED: Record<string, string> = { numBeams: "--beam" };

/** The CLI's name for a library option: the flag its users type ("topP" → "--top-p"). */
export const flagOf: OptionNamer = (key) =>
  OFF_SWITCHES[key]?.flag ?? RENAMED[key] ?? `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

const PLACEHOLDER = { integer: "n", number: "x", string: "name", file: "file", dir: "dir" } as const;

/** Each kind as `train --help` explains it. */
const ON_RESUME: Record<ResumeKind, string> = { fixed: "fixed", kept: "kept", sitting: "this sitting only" };

function optionFor(key: string, spec: AnySpec): Option {
  const resume = `[resume: ${ON_RESUME[spec.kind]}]`;
  if (spec.type === "boolean") {
    const off = OFF_SWITCHES[key];
    return new Option(off?.flag ?? flagOf(key), `${off?.help ?? spec.help} ${resume}`);
  }
  const o = new Option(`${flagOf(key)} <${PLACEHOLDER[spec.type]}>`, `${spec.help} ${resume}`);
  if (spec.choices) o.choices(spec.choices as string[]);
  else if (spec.type === "integer") o.argParser(integerOption);
  else if (spec.type === "number") o.argParser(numberOption);
  if (spec.default !== undefined && typeof spec.default !== "function") o.default(spec.default);
  return o;
}

/** Declares one flag per option of `table`, in its order: parsed by type, its default shown; the library checks values. */
export function addTableOptions<T>(cmd: Command, table: OptionTable<T>): Command {
  for (const [key, spec] of Object.entries(table) as [string, AnySpec][]) cmd.addOption(optionFor(key, spec));
  return cmd;
}

/** The options of `table` typed on the command line (commander's defaults left out), as the library's values. */
export function typedOptions<T>(cmd: Command, table: OptionTable<T>): Partial<T> {
  const flags = cmd.opts();
  const typed: Record<string, unknown> = {};
  for (const key of Object.keys(table)) {
    const attr = new Option(flagOf(key)).attributeName();
    if (cmd.getOptionValueSource(attr) === "cli") typed[key] = OFF_SWITCHES[key] ? !flags[attr] : flags[attr];
  }
  return typed as Partial<T>;
}
