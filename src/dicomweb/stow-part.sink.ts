import { buildFileMetaHeader, readFileMeta, type ParsedFileMeta } from '../imaging/part10';
import { bufferSource } from '../storage/byte-source';
import type { StagedBlob, StagingWriter } from '../storage/staging-writer';
import type { PartSink } from './multipart';

/** Enough to hold any file meta group (readFileMeta reads at most 16 KiB). */
const META_WINDOW = 16 * 1024;

/** What one STOW-RS part became: a staged Part 10 file, or why it is not one. */
export type StowPart =
  | { readonly kind: 'staged'; readonly staged: StagedBlob; readonly meta: ParsedFileMeta }
  | { readonly kind: 'not-dicom'; readonly reason: string };

/**
 * Streams one `application/dicom` part into a staging file: the file meta group is read from the
 * first bytes, Osteon's own meta header is written in its place (as for C-STORE and uploads), and
 * the data set bytes follow unchanged, hashed and fsynced by the staging writer.
 */
export class StowPartSink implements PartSink {
  private readonly head: Buffer[] = [];
  private headBytes = 0;
  private writer: StagingWriter | undefined;
  private meta: ParsedFileMeta | undefined;
  private rejection: string | undefined;
  private outcome: StowPart | undefined;

  constructor(private readonly createWriter: (header: Buffer) => StagingWriter) {}

  async write(chunk: Buffer): Promise<void> {
    if (this.rejection !== undefined) return;
    if (this.writer) return write(this.writer, chunk);
    this.head.push(Buffer.from(chunk));
    this.headBytes += chunk.length;
    if (this.headBytes >= META_WINDOW) await this.open();
  }

  async end(): Promise<void> {
    if (!this.writer && this.rejection === undefined) await this.open();
    if (this.rejection !== undefined || !this.writer || !this.meta) {
      this.outcome = { kind: 'not-dicom', reason: this.rejection ?? 'the part is empty' };
      return;
    }
    const writer = this.writer;
    await new Promise<void>((resolve, reject) => {
      writer.once('finish', resolve);
      writer.once('error', reject);
      writer.end();
    });
    this.outcome = { kind: 'staged', staged: writer.result(), meta: this.meta };
  }

  async abort(): Promise<void> {
    const writer = this.writer;
    this.writer = undefined;
    if (!writer || writer.destroyed) return;
    await new Promise<void>((resolve) => {
      writer.once('close', resolve);
      writer.destroy();
    });
  }

  /** Only after `end()`. */
  result(): StowPart {
    if (!this.outcome) throw new Error('the part has not ended');
    return this.outcome;
  }

  private async open(): Promise<void> {
    const head = Buffer.concat(this.head);
    this.head.length = 0;
    try {
      this.meta = await readFileMeta(bufferSource(head));
    } catch (error) {
      this.rejection = `not a DICOM Part 10 file: ${(error as Error).message}`;
      return;
    }
    const writer = this.createWriter(
      buildFileMetaHeader({
        mediaStorageSopClassUid: this.meta.mediaStorageSopClassUid ?? '',
        mediaStorageSopInstanceUid: this.meta.mediaStorageSopInstanceUid ?? '',
        transferSyntaxUid: this.meta.transferSyntaxUid,
        sourceApplicationEntityTitle: 'STOW-RS',
      }),
    );
    this.writer = writer;
    await write(writer, head.subarray(this.meta.datasetOffset));
  }
}

function write(writer: StagingWriter, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    writer.write(chunk, (error) => (error ? reject(error) : resolve()));
  });
}
