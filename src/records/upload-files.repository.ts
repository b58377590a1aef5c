import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import { BlobStoreRepository } from '../storage/blob-store.repository';
import type { ByteSource } from '../storage/byte-source';

/** The uploaded files multer wrote to disk (`<data>/uploads`): read in windows or streamed, then removed. */
@Injectable()
export class UploadFilesRepository {
  constructor(private readonly blobs: BlobStoreRepository) {}

  /** Runs `read` on the file and closes it after. */
  async withSource<T>(filePath: string, read: (source: ByteSource) => Promise<T>): Promise<T> {
    const source = await this.blobs.openStaged(filePath);
    try {
      return await read(source);
    } finally {
      await source.close();
    }
  }

  stream(filePath: string, start: number): Readable {
    return createReadStream(filePath, { start });
  }

  async remove(paths: readonly string[]): Promise<void> {
    await Promise.all(paths.map((filePath) => fs.rm(filePath, { force: true })));
  }
}
