/**
 * A model's scores.json — what its card reports about it, measured by `transformer eval` on held-out data — read
 * and put in one line for the page. The file is optional; when it is there, it must say what the page shows.
 */

export interface SearchScores {
  bleu: number;
  chrf: number;
}

export interface ModelScores {
  model: string;
  test: { data: string; examples: number; greedy: SearchScores; beam4: SearchScores };
  valid_loss: number;
  steps: number;
  train_hours: number;
  hardware: string;
}

/** The file name beside config.json. */
export const SCORES_FILE = "scores.json";

function field(obj: unknown, key: string, kind: "number" | "string" | "object", where: string): unknown {
  const v = typeof obj === "object" && obj !== null ? (obj as Record<string, unknown>)[key] : undefined;
  const ok = kind === "number" ? typeof v === "number" && Number.isFinite(v) : kind === "object" ? typeof v === "object" && v !== null : typeof v === "string";
  if (!ok) throw new Error(`${SCORES_FILE}: ${where}${key} must be ${kind === "object" ? "an object" : `a ${kind}`}`);
  return v;
}

/** Parses and checks a scores.json; an error names the file and the key. */
export function parseScores(text: string): ModelScores {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`${SCORES_FILE} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  const test = field(raw, "test", "object", "");
  const search = (key: string): SearchScores => {
    const s = field(test, key, "object", "test.");
    return { bleu: field(s, "bleu", "number", `test.${key}.`) as number, chrf: field(s, "chrf", "number", `test.${key}.`) as number };
  };
  return {
    model: field(raw, "model", "string", "") as string,
    test: {
      data: field(test, "data", "string", "test.") as string,
      examples: field(test, "examples", "number", "test.") as number,
      greedy: search("greedy"),
      beam4: search("beam4"),
    },
    valid_loss: field(raw, "valid_loss", "number", "") as number,
    steps: field(raw, "steps", "number", "") as number,
    train_hours: field(raw, "train_hours", "number", "") as number,
    hardware: field(raw, "hardware", "string", "") as string,
  };
}

/**
 * One line: "Shipped model en-es: BLEU 14.5 (beam 4) · 12.3 (greedy), chrF 42.0 on the 883 held-out test verses;
 * 4,000 steps in 1.9 h (2-core CPU)". chrF is beam search's, the decoding the BLEU figure leads with; `who` names
 * where the model came from ("Shipped model", "Picked model").
 */
export function describeScores(s: ModelScores, who: string): string {
  const f1 = (x: number) => x.toFixed(1);
  return `${who} ${s.model}: BLEU ${f1(s.test.beam4.bleu)} (beam 4) · ${f1(s.test.greedy.bleu)} (greedy), ` +
    `chrF ${f1(s.test.beam4.chrf)} on the ${s.test.examples.toLocaleString("en")} held-out test verses; ` +
    `${s.steps.toLocaleString("en")} steps in ${f1(s.train_hours)} h (${s.hardware})`;
}
