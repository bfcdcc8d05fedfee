import type { OptionNamer } from "../errors.js";

/** The JSON API's name for a library option: its key in snake case ("topP" → "top_p"), and "beam" for numBeams as the CLI's --beam. */
export const jsonNameOf: OptionNamer = (key) => (key === "numBeams" ? "beam" : key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));
