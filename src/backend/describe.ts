import type { Backend } from "./backend.js";
import { backend } from "./index.js";

/**
 * The backend as commands print it beside their results: its name, its threads where it has a pool, and for a
 * GPU backend the adapter it got (vendor, architecture, and whether it is a software one such as SwiftShader),
 * so that a number is never read without the kernels and device that produced it.
 */
export function describeBackend(b: Backend = backend()): string {
  const extra = b as Backend & { threads?: number; adapter?: { vendor: string; architecture: string; description: string; software: boolean } };
  const parts: string[] = [];
  if (typeof extra.threads === "number") parts.push(`${extra.threads} thread${extra.threads === 1 ? "" : "s"}`);
  const a = extra.adapter;
  if (a) parts.push(`adapter ${[a.vendor, a.architecture, a.description].filter((s) => s).join(" ") || "unnamed"}${a.software ? " (software)" : ""}`);
  return parts.length ? `${b.name} (${parts.join(", ")})` : b.name;
}
