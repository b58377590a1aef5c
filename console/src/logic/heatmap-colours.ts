/** Colour stops from cool to hot (value 0..1 → RGB): blue, cyan, yellow, red. */
const STOPS: ReadonlyArray<readonly [number, number, number, number]> = [
  [0, 0, 64, 255],
  [0.35, 0, 200, 255],
  [0.65, 255, 230, 0],
  [1, 230, 20, 20],
];

/** Below this share of the maximum a pixel stays transparent, so the bone under a cool area stays readable. */
const VISIBLE_FROM = 0.2;

export function heatColour(value: number): [number, number, number] {
  const v = Math.min(1, Math.max(0, value));
  for (let index = 1; index < STOPS.length; index += 1) {
    const upper = STOPS[index] as (typeof STOPS)[number];
    const lower = STOPS[index - 1] as (typeof STOPS)[number];
    if (v <= upper[0]) {
      const t = (v - lower[0]) / (upper[0] - lower[0]);
      return [0, 1, 2].map((channel) => Math.round(lower[channel + 1]! + (upper[channel + 1]! - lower[channel + 1]!) * t)) as [
        number,
        number,
        number,
      ];
    }
  }
  const last = STOPS[STOPS.length - 1] as (typeof STOPS)[number];
  return [last[1], last[2], last[3]];
}

/**
 * Turns the engine's grey heat map (RGBA pixels as a canvas reads them, grey in R) into a
 * coloured, partly transparent overlay, in place. Values are stretched to the map's own maximum.
 */
export function colouriseHeatmap(rgba: Uint8ClampedArray, maxAlpha = 0.6): void {
  let max = 0;
  for (let i = 0; i < rgba.length; i += 4) max = Math.max(max, rgba[i] as number);
  for (let i = 0; i < rgba.length; i += 4) {
    const value = max > 0 ? (rgba[i] as number) / max : 0;
    const [r, g, b] = heatColour(value);
    rgba[i] = r;
    rgba[i + 1] = g;
    rgba[i + 2] = b;
    rgba[i + 3] = value < VISIBLE_FROM ? 0 : Math.round(255 * maxAlpha * ((value - VISIBLE_FROM) / (1 - VISIBLE_FROM)) ** 0.7);
  }
}
