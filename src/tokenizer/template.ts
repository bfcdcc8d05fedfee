/**
 * A tokenizer.json post-processor that adds special tokens around one text or a pair: TemplateProcessing
 * ("[CLS]:0 $A:0 [SEP]:0", pair "... $B:1 [SEP]:1") or BertProcessing (that template, by its cls and sep), as
 * Hugging Face `tokenizers` applies them with add_special_tokens. Browser-safe.
 */

/** One item of a template: a sequence of the input ($A, $B) or special token ids, each with its token type. */
export type TemplatePiece = { sequence: "A" | "B"; typeId: number } | { special: readonly number[]; typeId: number };

export interface PostProcessor {
  single: readonly TemplatePiece[];
  pair: readonly TemplatePiece[];
}

/** Ids and their token types (token_type_ids) of one encoded input. */
export interface TypedIds {
  ids: number[];
  typeIds: number[];
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const show = (v: unknown): string => String(JSON.stringify(v));

/** The post-processor of tokenizer.json, or null for none; `fail` names what is not supported. */
export function parsePostProcessor(post: unknown, idOf: ReadonlyMap<string, number>, fail: (what: string) => never): PostProcessor | null {
  if (post == null) return null;
  if (!isObject(post)) return fail(`post_processor is ${show(post)}; expected null, TemplateProcessing or BertProcessing`);
  if (post.type === "BertProcessing") {
    const token = (key: "cls" | "sep"): number => {
      const v = post[key];
      if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== "string" || idOf.get(v[0]) !== v[1]) {
        return fail(`post_processor BertProcessing.${key} is ${show(v)}; expected [token, id] of a token in the vocabulary`);
      }
      return v[1] as number;
    };
    const cls = [token("cls")], sep = [token("sep")];
    return {
      single: [{ special: cls, typeId: 0 }, { sequence: "A", typeId: 0 }, { special: sep, typeId: 0 }],
      pair: [{ special: cls, typeId: 0 }, { sequence: "A", typeId: 0 }, { special: sep, typeId: 0 }, { sequence: "B", typeId: 1 }, { special: sep, typeId: 1 }],
    };
  }
  if (post.type !== "TemplateProcessing") return fail(`post_processor ${show(post.type)} is not supported; expected null, TemplateProcessing or BertProcessing`);
  const specials = post.special_tokens ?? {};
  if (!isObject(specials)) return fail(`post_processor TemplateProcessing.special_tokens is not an object`);
  const specialIds = new Map<string, number[]>();
  for (const [name, s] of Object.entries(specials)) {
    const ids = isObject(s) ? s.ids : undefined;
    if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => Number.isInteger(id) && id >= 0 && id < idOf.size)) {
      return fail(`post_processor TemplateProcessing.special_tokens[${show(name)}].ids is ${show(ids)}; expected ids in the vocabulary`);
    }
    specialIds.set(name, ids as number[]);
  }
  const template = (key: "single" | "pair", sequences: readonly string[]): TemplatePiece[] => {
    const items = post[key];
    if (!Array.isArray(items)) return fail(`post_processor TemplateProcessing.${key} is ${show(items)}; expected a list of pieces`);
    const pieces = items.map((item, i): TemplatePiece => {
      const where = `post_processor TemplateProcessing.${key}[${i}]`;
      const body = isObject(item) && Object.keys(item).length === 1 ? (item.Sequence ?? item.SpecialToken) : undefined;
      if (!isObject(body) || !Number.isInteger(body.type_id) || (body.type_id as number) < 0) {
        return fail(`${where} is ${show(item)}; expected {"Sequence": {id, type_id}} or {"SpecialToken": {id, type_id}}`);
      }
      const typeId = body.type_id as number;
      if ("Sequence" in item!) {
        if (!sequences.includes(body.id as string)) return fail(`${where}: Sequence ${show(body.id)}; expected one of ${sequences.map((s) => `"${s}"`).join(", ")}`);
        return { sequence: body.id as "A" | "B", typeId };
      }
      const ids = specialIds.get(body.id as string);
      if (!ids) return fail(`${where}: SpecialToken ${show(body.id)} is not in special_tokens`);
      return { special: ids, typeId };
    });
    for (const s of sequences) {
      if (!pieces.some((p) => "sequence" in p && p.sequence === s)) fail(`post_processor TemplateProcessing.${key} has no Sequence "${s}"`);
    }
    return pieces;
  };
  return { single: template("single", ["A"]), pair: template("pair", ["A", "B"]) };
}

/** The ids of `a` (and `b`) placed in the template, with their token types; no template: a, then b, types 0 and 1. */
export function applyTemplate(post: PostProcessor | null, a: readonly number[], b?: readonly number[]): TypedIds {
  const out: TypedIds = { ids: [], typeIds: [] };
  const put = (ids: readonly number[], typeId: number) => {
    for (const id of ids) {
      out.ids.push(id);
      out.typeIds.push(typeId);
    }
  };
  if (!post) {
    put(a, 0);
    if (b) put(b, 1);
    return out;
  }
  for (const piece of b === undefined ? post.single : post.pair) {
    if ("special" in piece) put(piece.special, piece.typeId);
    else put(piece.sequence === "A" ? a : b!, piece.typeId);
  }
  return out;
}
