/**
 * Colours. Signs and classes use one diverging, colour-blind-safe scale from orange (negative,
 * class 0) through a light grey to purple (positive, class 1): ColorBrewer's PuOr anchors, which
 * stay distinguishable under the common colour-vision deficiencies, unlike red against green.
 */
const ANCHORS: [number, number, number][] = [
  [179, 88, 6], //   −1: dark orange
  [241, 163, 64], // −0.5
  [247, 247, 247], // 0: near white
  [153, 142, 195], // +0.5
  [84, 39, 136], //  +1: dark purple
];

/** RGB of t ∈ [−1, 1] on the diverging scale (clamped). */
export function diverging(t: number): [number, number, number] {
  const u = (Math.max(-1, Math.min(1, Number.isNaN(t) ? 0 : t)) + 1) * 2; // 0..4
  const i = Math.min(3, Math.floor(u));
  const f = u - i;
  const a = ANCHORS[i];
  const b = ANCHORS[i + 1];
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}

/** The scale sampled at 256 steps over [−1, 1], as RGB bytes: the heat maps' per-pixel lookup. */
export const DIVERGING_LUT: Uint8ClampedArray = (() => {
  const lut = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) lut.set(diverging((i / 255) * 2 - 1), 3 * i);
  return lut;
})();

/** Index into {@link DIVERGING_LUT} of t ∈ [−1, 1]. */
export function lutIndex(t: number): number {
  return t >= 1 ? 765 : t <= -1 || Number.isNaN(t) ? 0 : 3 * Math.round((t + 1) * 127.5);
}

export function css([r, g, b]: [number, number, number]): string {
  return `rgb(${Math.round(r)},${Math.round(g)},${Math.round(b)})`;
}

/** Class colours for more than two classes: Okabe–Ito's colour-blind-safe set. */
export const CLASS_COLOURS: [number, number, number][] = [
  [230, 159, 0],
  [86, 180, 233],
  [0, 158, 115],
  [204, 121, 167],
  [0, 114, 178],
  [213, 94, 0],
  [240, 228, 66],
  [0, 0, 0],
];

/** Accent for the selected example. */
export const ACCENT = '#0072b2';
