import { Injectable } from '@nestjs/common';
import { data as dcmjsData } from 'dcmjs';
import type { GreyPixels } from '../imaging/grey-image';
import { ImageService } from '../imaging/image.service';
import { bufferSource } from '../storage/byte-source';

/** An analysed original as the result objects need it: its header and its display-grey pixels. */
export interface SourceImage {
  /** Naturalised attributes of the original, pixel data left out. */
  readonly header: Readonly<Record<string, unknown>>;
  readonly grey: GreyPixels;
}

/**
 * Reads a stored original for the result objects: the grey the model saw (ImageService, decoded
 * in the pixel worker) and the header the derived objects copy their context from.
 */
@Injectable()
export class SourceImageReader {
  constructor(private readonly images: ImageService) {}

  async read(blobKey: string): Promise<SourceImage> {
    const bytes = await this.images.withStored(blobKey, (file) => file.read(0, file.size));
    const grey = await this.images.grey(bufferSource(bytes));
    const { DicomMessage, DicomMetaDictionary } = dcmjsData;
    const parsed = DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer, {
      untilTag: '7FE00010',
      includeUntilTagValue: false,
      ignoreErrors: true,
    });
    return { header: DicomMetaDictionary.naturalizeDataset(parsed.dict), grey };
  }
}
