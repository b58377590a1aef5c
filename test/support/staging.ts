import type { StagedBlob, StagingWriter } from '../../src/storage/staging-writer';

/** Writes `chunks` through the staging writer, ends it, and returns what it staged. */
export async function finishStaging(writer: StagingWriter, chunks: readonly Buffer[]): Promise<StagedBlob> {
  await new Promise<void>((resolve, reject) => {
    writer.once('finish', resolve);
    writer.once('error', reject);
    for (const chunk of chunks) writer.write(chunk);
    writer.end();
  });
  return writer.result();
}
