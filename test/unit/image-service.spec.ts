import { ImageService } from '../../src/imaging/image.service';
import { PixelWorkerPool } from '../../src/imaging/pixel-worker.pool';
import type { BlobStoreRepository } from '../../src/storage/blob-store.repository';
import { bufferSource } from '../../src/storage/byte-source';
import { pixelDataset } from '../support/pixel-fixtures';

describe('image service (grey pixels, decoded in the pixel worker)', () => {
  const file = pixelDataset({
    rows: 2,
    columns: 3,
    bitsAllocated: 8,
    bitsStored: 8,
    pixelRepresentation: 0,
    pixelData: Uint8Array.from([0, 50, 100, 150, 200, 250]),
  });

  it.each([0, 1])('decodes a Part 10 file to display grey with %i worker(s), leaving the caller its bytes', async (workers) => {
    const images = new ImageService(new PixelWorkerPool({ workers }), {} as BlobStoreRepository);
    try {
      const bytes = Buffer.from(file);
      const grey = await images.grey(bufferSource(bytes));
      expect({ width: grey.width, height: grey.height, pixels: [...grey.pixels] }).toEqual({
        width: 3,
        height: 2,
        pixels: [0, 51, 102, 153, 204, 255],
      });
      // The frame moved to the worker is a copy: the file's own buffer is still readable.
      expect(bytes.subarray(128, 132).toString('latin1')).toBe('DICM');
    } finally {
      await images.onModuleDestroy();
    }
  });
});
