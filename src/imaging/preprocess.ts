import { assertGreyPixels, type GreyPixels } from './grey-image';

/**
 * The model's preprocessing contract, ported from training/preprocess.py (the reference):
 * letterbox to a centred black square of side M = max(H, W), adaptive-average-pool M x M to
 * S x S (PyTorch semantics), divide by 255, float32. Sums of 8-bit values are whole numbers
 * below 2^53, so summing in float64 in any order gives exactly the reference's sums.
 */

export interface LetterboxGeometry {
  readonly side: number;
  readonly padTop: number;
  readonly padLeft: number;
}

export function letterboxGeometry(height: number, width: number): LetterboxGeometry {
  const side = Math.max(height, width);
  return { side, padTop: Math.floor((side - height) / 2), padLeft: Math.floor((side - width) / 2) };
}

/** [start, end) input ranges of adaptive average pooling from n inputs to `outputs` cells. */
export function poolBounds(inputs: number, outputs: number): { starts: Int32Array; ends: Int32Array } {
  const starts = new Int32Array(outputs);
  const ends = new Int32Array(outputs);
  for (let i = 0; i < outputs; i += 1) {
    starts[i] = Math.floor((i * inputs) / outputs);
    ends[i] = Math.ceil(((i + 1) * inputs) / outputs);
  }
  return { starts, ends };
}

/** The model input for one image: S * S float32 values in [0, 1], row-major. */
export function preprocessGrey(image: GreyPixels, size: number): Float32Array {
  assertGreyPixels(image);
  if (!Number.isInteger(size) || size <= 0) throw new RangeError(`input size ${size} is not a positive integer`);
  const { width, height, pixels } = image;
  const { side, padTop, padLeft } = letterboxGeometry(height, width);
  const { starts, ends } = poolBounds(side, size);
  // Columns first: per image row, the sum of each output column's span (padding adds zero). Whole
  // numbers below 255 * width fit 32 bits exactly, at half the memory of float64 (5 MB, not 10, for
  // a 3200-row radiograph at 384).
  const columnSums = new Uint32Array(height * size);
  for (let j = 0; j < size; j += 1) {
    const from = Math.max(starts[j]! - padLeft, 0);
    const to = Math.min(ends[j]! - padLeft, width);
    if (to <= from) continue;
    for (let y = 0; y < height; y += 1) {
      let sum = 0;
      const row = y * width;
      for (let x = from; x < to; x += 1) sum += pixels[row + x]!;
      columnSums[y * size + j] = sum;
    }
  }
  const tensor = new Float32Array(size * size);
  for (let i = 0; i < size; i += 1) {
    const from = Math.max(starts[i]! - padTop, 0);
    const to = Math.min(ends[i]! - padTop, height);
    const rowsInCell = ends[i]! - starts[i]!;
    for (let j = 0; j < size; j += 1) {
      let sum = 0;
      for (let y = from; y < to; y += 1) sum += columnSums[y * size + j]!;
      const area = rowsInCell * (ends[j]! - starts[j]!);
      // Same operation order as the reference: total / area / 255.0, then cast to float32.
      tensor[i * size + j] = sum / area / 255;
    }
  }
  return tensor;
}
