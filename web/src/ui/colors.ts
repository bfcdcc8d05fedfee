/** The library's colour scales (src/inspect/svg.ts, as in the CLI's figures), as RGB for canvas pixels. */
import { type ColorScale, colorAt } from "../../../src/inspect/index.js";

export type Rgb = [number, number, number];

/** The colour of v on the scale from min to max. */
export function rgbAt(v: number, min: number, max: number, scale: ColorScale): Rgb {
  const hex = colorAt(v, min, max, scale); // #rrggbb
  return [parseInt(hex.slice(1, 3), 16), parseInt(hex.slice(3, 5), 16), parseInt(hex.slice(5, 7), 16)];
}

export function cssAt(v: number, min: number, max: number, scale: ColorScale): string {
  return colorAt(v, min, max, scale);
}
