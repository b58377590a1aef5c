import { Injectable } from '@nestjs/common';
import { data as dcmjsData } from 'dcmjs';
import { ownArrayBuffer } from '../common/array-buffers';
import type { GreyPixels } from '../imaging/grey-image';
import { ImageService } from '../imaging/image.service';

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
    // Read from the file twice (the pixel data alone, which moves to the pixel worker uncopied, then the
    // header up to it), not the whole file into memory and copied for the parser: for a 10 MB radiograph
    // that held three copies of the image at once on the main thread.
    return this.images.withStored(blobKey, async (file) => {
      const grey = await this.images.grey(file);
      const bytes = await this.images.headerBytes(file);
      const { DicomMessage, DicomMetaDictionary } = dcmjsData;
      const parsed = DicomMessage.readFile(ownArrayBuffer(bytes), {
        untilTag: '7FE00010',
        includeUntilTagValue: false,
        ignoreErrors: true,
      });
      return { header: DicomMetaDictionary.naturalizeDataset(parsed.dict), grey };
    });
  }
}
