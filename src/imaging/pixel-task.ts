import { decodeNative, decodeToGrey, initialiseCodecsFor } from './dicom-pixel.decoder';
import { renderFrame, type DisplayImage } from './display-image';
import type { GreyPixels } from './grey-image';
import { measureImageQuality, type ImageQuality } from './image-quality';
import { ImagingErrorCode, ImagingException } from './imaging.exception';
import type { PixelFrame, VoiWindow } from './pixel-frame';
import { preprocessGrey } from './preprocess';

/** The model input of one image: a DICOM frame decoded (or a grey picture as it is), letterboxed and pooled. */
export type PrepareTask =
  | { readonly kind: 'dicom'; readonly frame: PixelFrame; readonly size: number }
  | { readonly kind: 'grey'; readonly image: GreyPixels; readonly size: number };

/**
 * CPU work for one image, run in a pixel worker or inline: decode to display grey, prepare a
 * model input, decompress to native bytes, or render for a viewer (grey with a window, or RGB).
 */
export type PixelTask =
  | { readonly kind: 'decode'; readonly frame: PixelFrame }
  | { readonly kind: 'native'; readonly frame: PixelFrame }
  | { readonly kind: 'render'; readonly frame: PixelFrame; readonly voi: VoiWindow | undefined }
  | PrepareTask;

/** A frame's native bytes (a decompressed bitstream). */
export interface NativeFrame {
  readonly data: Uint8Array;
}

export interface PreparedImage {
  readonly width: number;
  readonly height: number;
  /** size * size float32, the model input for this image. */
  readonly tensor: Float32Array;
  readonly decodeMs: number;
  readonly preprocessMs: number;
  /** The image-quality gate's measurements of the decoded image (inference decides with them). */
  readonly quality: ImageQuality;
}

export type PixelResult = GreyPixels | PreparedImage | NativeFrame | DisplayImage;

export async function decodeFrame(frame: PixelFrame): Promise<GreyPixels> {
  await initialiseCodecsFor(frame);
  return decodeToGrey(frame);
}

export async function prepareImage(task: PrepareTask): Promise<PreparedImage> {
  const started = performance.now();
  const image = task.kind === 'dicom' ? await decodeFrame(task.frame) : task.image;
  const decoded = performance.now();
  let tensor: Float32Array;
  try {
    tensor = preprocessGrey(image, task.size);
  } catch (error) {
    if (error instanceof RangeError) throw new ImagingException(ImagingErrorCode.InvalidPixelData, error.message);
    throw error;
  }
  return {
    width: image.width,
    height: image.height,
    tensor,
    decodeMs: decoded - started,
    preprocessMs: performance.now() - decoded,
    quality: measureImageQuality(image),
  };
}

export async function runPixelTask(task: PixelTask): Promise<PixelResult> {
  switch (task.kind) {
    case 'decode':
      return decodeFrame(task.frame);
    case 'native':
      await initialiseCodecsFor(task.frame);
      return { data: decodeNative(task.frame) };
    case 'render':
      await initialiseCodecsFor(task.frame);
      return renderFrame(task.frame, task.voi);
    case 'dicom':
    case 'grey':
      return prepareImage(task);
  }
}

/** How many pixels a task works on (its image's, frames of any kind). */
export function pixelsOf(task: PixelTask): number {
  if (task.kind === 'grey') return task.image.width * task.image.height;
  return task.frame.attributes.rows * task.frame.attributes.columns;
}

/** The large buffer of a result, moved (not copied) back from the worker. */
export function transferableOf(result: PixelResult): ArrayBuffer {
  if ('tensor' in result) return result.tensor.buffer as ArrayBuffer;
  if ('data' in result) return result.data.buffer as ArrayBuffer;
  return result.pixels.buffer as ArrayBuffer;
}
