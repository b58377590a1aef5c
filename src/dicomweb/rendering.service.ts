import { Injectable } from '@nestjs/common';
import type { InstanceRecord } from '../dicom/instance-record';
import type { ObjectScope } from '../dicom/instance.repository';
import { encodeDisplayImage } from '../imaging/display-encoder';
import { ImageService } from '../imaging/image.service';
import { ImagingErrorCode, ImagingException } from '../imaging/imaging.exception';
import type { PixelFrame } from '../imaging/pixel-frame';
import { DicomwebErrorCode, DicomwebException } from './dicomweb.exception';
import { negotiateFrames, negotiateRendered, type MediaRange } from './media-types';
import { multipartBody, newBoundary } from './multipart';
import type { RenderedParams } from './rendered-params';
import { StoredObjectsService } from './stored-objects.service';
import type { WadoAnswer } from './wado.service';

/** A thumbnail's longer side unless the client names a viewport. */
export const THUMBNAIL_SIZE = 128;

/**
 * Pixels over DICOMweb (PS3.18 10.4.1.1.3 and 10.4.1.2): frames in the stored transfer syntax or
 * decompressed on request, and rendered JPEG/PNG with the reader's window. Decoding runs in the
 * pixel worker (ImageService), encoding in libvips: never on the event loop.
 */
@Injectable()
export class RenderingService {
  constructor(
    private readonly objects: StoredObjectsService,
    private readonly images: ImageService,
  ) {}

  async frames(scope: Required<ObjectScope>, frameNumbers: readonly number[], accept: readonly MediaRange[]): Promise<WadoAnswer> {
    const record = await this.objects.resolveOne(scope);
    const form = negotiateFrames(accept, record.transferSyntaxUid);
    if (!form) {
      throw new DicomwebException(
        DicomwebErrorCode.NotAcceptable,
        `frames of this instance are served in transfer syntax ${record.transferSyntaxUid} or uncompressed (application/octet-stream)`,
      );
    }
    const bodies: Buffer[] = [];
    for (const frameNumber of frameNumbers) {
      const frame = await this.frame(record, frameNumber);
      const data = form.form === 'uncompressed' ? await this.images.nativeBytes(frame) : frame.data;
      bodies.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    }
    const boundary = newBoundary();
    const [type] = form.contentType.split(';');
    return {
      contentType: `multipart/related; type="${type}"; boundary=${boundary}`,
      body: multipartBody(
        boundary,
        bodies.map((body) => ({ contentType: form.contentType, body })),
      ),
    };
  }

  async rendered(
    scope: Required<ObjectScope>,
    frameNumber: number,
    params: RenderedParams,
    accept: readonly MediaRange[],
  ): Promise<WadoAnswer> {
    const type = this.renderedType(accept);
    const record = await this.objects.resolveOne(scope);
    return this.render(record, frameNumber, params, type);
  }

  /** A small rendering of the study's, series' or instance's first image (PS3.18 10.4.1.3). */
  async thumbnail(scope: ObjectScope, frameNumber: number, params: RenderedParams, accept: readonly MediaRange[]): Promise<WadoAnswer> {
    const type = this.renderedType(accept);
    const records = await this.objects.resolve(scope);
    const image = records.find((record) => record.pixelDataOffset !== undefined);
    if (!image) throw new DicomwebException(DicomwebErrorCode.FrameNotFound, 'nothing here has pixels to show');
    const viewport = params.viewport ?? { width: THUMBNAIL_SIZE, height: THUMBNAIL_SIZE };
    return this.render(image, frameNumber, { ...params, viewport }, type);
  }

  private renderedType(accept: readonly MediaRange[]): 'image/jpeg' | 'image/png' {
    const type = negotiateRendered(accept);
    if (!type) throw new DicomwebException(DicomwebErrorCode.NotAcceptable, 'renderings are served as image/jpeg or image/png');
    return type;
  }

  private async render(
    record: InstanceRecord,
    frameNumber: number,
    params: RenderedParams,
    type: 'image/jpeg' | 'image/png',
  ): Promise<WadoAnswer> {
    const frame = await this.frame(record, frameNumber);
    try {
      const image = await this.images.render(frame, params.window);
      const body = await encodeDisplayImage(image, {
        type,
        width: params.viewport?.width,
        height: params.viewport?.height,
        region: params.viewport?.region && clampRegion(params.viewport.region, image.width, image.height),
        quality: params.quality,
      });
      return { contentType: type, body, length: body.length };
    } catch (error) {
      if (
        error instanceof ImagingException &&
        (error.code === ImagingErrorCode.UnsupportedPhotometric || error.code === ImagingErrorCode.UnsupportedBitDepth)
      ) {
        throw new DicomwebException(
          DicomwebErrorCode.NotRenderable,
          `instance ${record.sopInstanceUid} cannot be rendered: ${error.reason}`,
        );
      }
      throw error;
    }
  }

  private async frame(record: InstanceRecord, frameNumber: number): Promise<PixelFrame> {
    try {
      return await this.images.withStored(record.blobKey, (source) => this.images.frameOf(source, frameNumber - 1));
    } catch (error) {
      if (
        error instanceof ImagingException &&
        (error.code === ImagingErrorCode.FrameNotFound || error.code === ImagingErrorCode.NoPixelData)
      ) {
        throw new DicomwebException(DicomwebErrorCode.FrameNotFound, `instance ${record.sopInstanceUid}: ${error.reason}`);
      }
      throw error;
    }
  }
}

function clampRegion(
  region: { left: number; top: number; width: number; height: number },
  width: number,
  height: number,
): { left: number; top: number; width: number; height: number } {
  const left = Math.min(region.left, width - 1);
  const top = Math.min(region.top, height - 1);
  return { left, top, width: Math.min(region.width, width - left), height: Math.min(region.height, height - top) };
}
