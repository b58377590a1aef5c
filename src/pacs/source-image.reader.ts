import { Injectable } from '@nestjs/common';
import { data as dcmjsData } from 'dcmjs';
import type { ByteSource } from '../dicom/dataset-header.reader';
import { decodeToGrey, initialiseCodecs } from '../inference/dicom-pixel.decoder';
import { readPixelFrame } from '../inference/dicom-pixel.reader';
import type { GreyPixels } from '../inference/grey-image';
import { BlobStoreRepository } from '../storage/blob-store.repository';

/** An analysed original as the result objects need it: its header and its display-grey pixels. */
export interface SourceImage {
  /** Naturalised attributes of the original, pixel data left out. */
  readonly header: Readonly<Record<string, unknown>>;
  readonly grey: GreyPixels;
}

/**
 * Reads a stored original for the result objects. Decoding reuses the inference module's
 * reader and decoder (the same grey the model saw: Modality LUT, window, MONOCHROME1 inverted).
 */
@Injectable()
export class SourceImageReader {
  constructor(private readonly blobs: BlobStoreRepository) {}

  async read(blobKey: string): Promise<SourceImage> {
    const file = await this.blobs.open(blobKey);
    let bytes: Buffer;
    try {
      bytes = await file.read(0, file.size);
    } finally {
      await file.close();
    }
    const source: ByteSource = { size: bytes.length, read: async (position, length) => bytes.subarray(position, position + length) };
    const frame = await readPixelFrame(source);
    await initialiseCodecs();
    const grey = decodeToGrey(frame);
    const { DicomMessage, DicomMetaDictionary } = dcmjsData;
    const parsed = DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer, {
      untilTag: '7FE00010',
      includeUntilTagValue: false,
      ignoreErrors: true,
    });
    return { header: DicomMetaDictionary.naturalizeDataset(parsed.dict), grey };
  }
}
