import { decodeToGrey, initialiseCodecs } from './dicom-pixel.decoder';
import type { GreyPixels } from './grey-image';
import { InferenceErrorCode, InferenceException } from './inference.exception';
import type { PixelFrame } from './pixel-frame';
import { preprocessGrey } from './preprocess';

/** CPU work for one image: decode (DICOM) and preprocess. Runs in a pixel worker or inline. */
export type PixelTask =
  | { readonly kind: 'dicom'; readonly frame: PixelFrame; readonly size: number }
  | { readonly kind: 'grey'; readonly image: GreyPixels; readonly size: number };

export interface PreparedImage {
  readonly width: number;
  readonly height: number;
  /** size * size float32, the model input for this image. */
  readonly tensor: Float32Array;
  readonly decodeMs: number;
  readonly preprocessMs: number;
}

export async function runPixelTask(task: PixelTask): Promise<PreparedImage> {
  const started = performance.now();
  let image: GreyPixels;
  switch (task.kind) {
    case 'dicom':
      await initialiseCodecs();
      image = decodeToGrey(task.frame);
      break;
    case 'grey':
      image = task.image;
      break;
  }
  const decoded = performance.now();
  let tensor: Float32Array;
  try {
    tensor = preprocessGrey(image, task.size);
  } catch (error) {
    if (error instanceof RangeError) throw new InferenceException(InferenceErrorCode.InvalidPixelData, error.message);
    throw error;
  }
  return { width: image.width, height: image.height, tensor, decodeMs: decoded - started, preprocessMs: performance.now() - decoded };
}
