import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { BlobStoreRepository } from '../storage/blob-store.repository';
import type { ByteSource } from '../storage/byte-source';
import { readFrame, readPixelFrame, readUntilPixelData } from './dicom-pixel.reader';
import { TransferSyntax } from './dicom-file.constants';
import type { DisplayImage } from './display-image';
import type { GreyPixels } from './grey-image';
import type { PixelFrame, VoiWindow } from './pixel-frame';
import type { PrepareTask, PreparedImage } from './pixel-task';
import { PixelWorkerPool } from './pixel-worker.pool';

/**
 * The one way to pixels: a Part 10 file's first frame decoded to display grey (Modality LUT,
 * window, MONOCHROME1 inverted: the grey the model sees), or prepared as the model's input. The
 * decoding runs in the pixel worker pool, never on the event loop; only the header walk (small
 * reads) happens here.
 */
@Injectable()
export class ImageService implements OnModuleDestroy {
  constructor(
    private readonly pixels: PixelWorkerPool,
    private readonly blobs: BlobStoreRepository,
  ) {}

  async onModuleDestroy(): Promise<void> {
    await this.pixels.close();
  }

  /** Runs `read` on a stored instance's file and closes it after. */
  async withStored<T>(blobKey: string, read: (source: ByteSource) => Promise<T>): Promise<T> {
    const source = await this.blobs.open(blobKey);
    try {
      return await read(source);
    } finally {
      await source.close();
    }
  }

  /** What decoding needs from a Part 10 file: its pixel attributes and the first frame's bytes. */
  readFrame(source: ByteSource): Promise<PixelFrame> {
    return readPixelFrame(source);
  }

  /** The file up to its pixel data value: for a parser of the whole header (the derived objects copy it). */
  headerBytes(source: ByteSource): Promise<Uint8Array> {
    return readUntilPixelData(source);
  }

  async grey(source: ByteSource): Promise<GreyPixels> {
    return this.pixels.decode(await readPixelFrame(source));
  }

  greyOfStored(blobKey: string): Promise<GreyPixels> {
    return this.withStored(blobKey, (source) => this.grey(source));
  }

  /** One frame (0-based) of any image as stored: native bytes or its encapsulated bitstream. */
  frameOf(source: ByteSource, frameIndex: number): Promise<PixelFrame> {
    return readFrame(source, frameIndex);
  }

  /** A frame's native (uncompressed) bytes, decompressed in the pixel worker when stored compressed. */
  nativeBytes(frame: PixelFrame): Promise<Uint8Array> {
    if (isNative(frame.transferSyntaxUid)) return Promise.resolve(frame.data);
    return this.pixels.native(frame);
  }

  /** A frame as a viewer shows it (grey through the window, or RGB), rendered in the pixel worker. */
  render(frame: PixelFrame, voi?: VoiWindow): Promise<DisplayImage> {
    return this.pixels.render(frame, voi);
  }

  /** The model input (letterboxed and pooled to size x size) of a frame or a grey picture. */
  prepare(task: PrepareTask): Promise<PreparedImage> {
    return this.pixels.prepare(task);
  }
}

function isNative(transferSyntaxUid: string): boolean {
  return transferSyntaxUid === TransferSyntax.ImplicitVrLittleEndian || transferSyntaxUid === TransferSyntax.ExplicitVrLittleEndian;
}
