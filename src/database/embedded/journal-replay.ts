import fs from 'node:fs/promises';
import path from 'node:path';
import { framesAfter, readFrame, StoreCorruptError } from './frame-format';
import { JOURNAL_MAGIC, segmentFirstLsn } from './journal';
import { decodeRecord, type JournalRecord, type StoreOperation } from './store-operation';

export interface ReplayOutcome {
  readonly lastLsn: number;
  /** Segment files read, oldest first. */
  readonly segments: readonly string[];
  readonly bytes: number;
  /** Bytes of an unacknowledged record torn by a crash, cut off the last segment. */
  readonly tornBytes: number;
}

export async function journalSegments(dir: string): Promise<string[]> {
  const names = (await fs.readdir(dir)).filter((name) => segmentFirstLsn(name) !== undefined);
  return names.sort((a, b) => (segmentFirstLsn(a) as number) - (segmentFirstLsn(b) as number));
}

/**
 * Applies every journal record after `afterLsn`, in order. A bad frame in the newest segment
 * is a write torn by a crash, and is cut off, when whatever valid follows it belongs to the
 * same write (group commit) as the missing records: that write never finished its fsync, so
 * nothing in it was acknowledged. Any other damage, or a gap in the sequence, stops the start
 * with the file and offset, before anything is changed on disk.
 */
export async function replayJournal(dir: string, afterLsn: number, apply: (operations: StoreOperation[]) => void): Promise<ReplayOutcome> {
  const segments = await journalSegments(dir);
  let lastLsn = afterLsn;
  let bytes = 0;
  let tornBytes = 0;
  for (const [position, name] of segments.entries()) {
    const file = path.join(dir, name);
    const data = await fs.readFile(file);
    bytes += data.length;
    let offset = 0;
    let lastInFile: number | undefined;
    for (;;) {
      const read = readFrame(data, offset, JOURNAL_MAGIC);
      if (read.kind === 'end') break;
      if (read.kind === 'bad') {
        const newest = position === segments.length - 1;
        if (!newest || !isTornWrite(data, offset, lastInFile ?? lastLsn)) throw new StoreCorruptError(file, offset, read.reason);
        tornBytes = data.length - offset;
        await cutTornTail(file, offset);
        break;
      }
      let record: JournalRecord;
      try {
        record = decodeRecord(read.payload);
      } catch (error) {
        throw new StoreCorruptError(file, offset, `unreadable record: ${(error as Error).message}`);
      }
      if (record.lsn > afterLsn) {
        if (record.lsn !== lastLsn + 1)
          throw new StoreCorruptError(file, offset, `record ${record.lsn} follows ${lastLsn}: records are missing`);
        apply(record.operations);
        lastLsn = record.lsn;
      }
      lastInFile = record.lsn;
      offset = read.next;
    }
  }
  return { lastLsn, segments, bytes, tornBytes };
}

/**
 * Valid records after the bad frame may survive a crash that tore one write (blocks reach
 * the disk in any order before fsync). They are harmless only if they belong to the write
 * that also held the first missing record: a later write starts only after the earlier one's
 * fsync, so a record missing before it had been acknowledged.
 */
function isTornWrite(data: Buffer, offset: number, lastGoodLsn: number): boolean {
  const batches = new Set<number>();
  for (const payload of framesAfter(data, offset, JOURNAL_MAGIC)) {
    try {
      batches.add(decodeRecord(payload).batch);
    } catch {
      return false;
    }
  }
  if (batches.size === 0) return true;
  if (batches.size > 1) return false;
  return ([...batches][0] as number) <= lastGoodLsn + 1;
}

async function cutTornTail(file: string, offset: number): Promise<void> {
  const handle = await fs.open(file, 'r+');
  try {
    await handle.truncate(offset);
    await handle.sync();
  } finally {
    await handle.close();
  }
}
