/** The most likely next tokens at one decoder step, as bars (the library's topNextTokens, at the chosen temperature). */
import type { NextToken } from "../protocol.js";
import { el, fmt } from "./dom.js";

/** Fills `list` (an <ol>) with the tokens; `chosen` (the token the search took) is marked. */
export function renderTopTokens(list: HTMLElement, top: readonly NextToken[], chosen: number): void {
  list.replaceChildren(...top.map(({ id, token, prob }) => el("li", { class: id === chosen ? "chosen" : undefined, "data-id": id, "data-p": prob },
    el("span", { class: "tok", title: `id ${id}`, text: token }),
    el("span", { class: "bar" }, el("span", { class: "fill", style: `width:${(100 * prob).toFixed(1)}%` })),
    el("span", { class: "pct", text: `${fmt(100 * prob, 3)}%` }),
  )));
}
