import { letterboxGeometry } from '../imaging/preprocess';

/**
 * One fracture box from the model's box head, on the original image: corners as fractions of
 * its width and height (clipped to the image), and the box score (the centre-map probability,
 * not calibrated; rank boxes by it).
 */
export interface FractureBox {
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
  readonly score: number;
}

/**
 * Image `index`'s boxes from the model outputs (corners normalised to the letterboxed square,
 * see the card's `boxes` output), mapped back through the letterbox onto the original image.
 * Padding entries (score 0) and boxes that lie wholly in the letterbox padding are dropped;
 * the model's order (best first) is kept.
 */
export function boxesOnImage(
  output: { readonly corners: Float32Array; readonly scores: Float32Array; readonly perImage: number },
  index: number,
  image: { readonly height: number; readonly width: number },
): FractureBox[] {
  const { side, padTop, padLeft } = letterboxGeometry(image.height, image.width);
  const boxes: FractureBox[] = [];
  for (let k = 0; k < output.perImage; k += 1) {
    const score = output.scores[index * output.perImage + k]!;
    if (!(score > 0)) continue;
    const at = (index * output.perImage + k) * 4;
    const x1 = clamp01((output.corners[at]! * side - padLeft) / image.width);
    const y1 = clamp01((output.corners[at + 1]! * side - padTop) / image.height);
    const x2 = clamp01((output.corners[at + 2]! * side - padLeft) / image.width);
    const y2 = clamp01((output.corners[at + 3]! * side - padTop) / image.height);
    if (x2 > x1 && y2 > y1) boxes.push({ x1, y1, x2, y2, score });
  }
  return boxes;
}

function clamp01(value: number): number {
  return Math.min(1, Math.max(0, value));
}
