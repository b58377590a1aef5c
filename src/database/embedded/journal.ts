import { constants as fsConstants, writevSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { syncDirectory } from '../../common/file-sync';
import { frame } from './frame-format';
import { encodeRecord, type StoreOperation } from './store-operation';

export const JOURNAL_MAGIC = Buffer.from('OSJ1');

export function segmentName(firstLsn: number): string {
  return `journal-${String(firstLsn).padStart(16, '0')}.osj`;
}

export function segmentFirstLsn(name: string): number | undefined {
  const match = /^journal-(\d{16})\.osj$/.exec(name);
  return match ? Number(match[1]) : undefined;
}

interface PendingRecord {
  readonly lsn: number;
  readonly operations: readonly StoreOperation[];
  /** Puts the in-memory state back as it was before this record (a failed write). */
  readonly undo: () => void;
  readonly segment: number;
}

interface Waiter {
  readonly lsn: number;
  resolve(): void;
  reject(error: Error): void;
}

/** A journal write that failed; every change not yet on disk was undone in memory. */
export class JournalWriteError extends Error {
  constructor(override readonly cause: NodeJS.ErrnoException) {
    super(`the embedded database could not write its journal (${cause.code ?? cause.message}); the change was not made`);
    this.name = 'JournalWriteError';
  }

  get diskFull(): boolean {
    return this.cause.code === 'ENOSPC' || this.cause.code === 'EDQUOT';
  }
}

/**
 * The append-only journal. A record is the set of changes of one command; it is framed,
 * written and fdatasync'ed before anyone waiting for it (or for anything after it) is
 * answered. Records that arrive while a write is in flight go together in the next write:
 * one fsync for the whole group. A failed write truncates the file back, undoes every record
 * not on disk (newest first) and fails their waiters, so memory never holds more than the disk.
 */
export class Journal {
  private pending: PendingRecord[] = [];
  private waiters: Waiter[] = [];
  private flushing: Promise<void> | undefined;
  private handle: fs.FileHandle | undefined;
  private handleSegment = -1;
  private offset = 0;
  private currentSegment: number;
  private lastLsn: number;
  private durableLsn: number;
  private bytes = 0;

  constructor(
    private readonly dir: string,
    lastLsn: number,
    /** false only in benchmarks (to measure what fsync costs): a crash may then lose acknowledged writes. */
    private readonly sync = true,
  ) {
    this.lastLsn = lastLsn;
    this.durableLsn = lastLsn;
    this.currentSegment = lastLsn + 1;
  }

  get lastAppended(): number {
    return this.lastLsn;
  }

  get durable(): number {
    return this.durableLsn;
  }

  /** Bytes written since the last rotation. */
  get segmentBytes(): number {
    return this.bytes;
  }

  append(operations: readonly StoreOperation[], undo: () => void): number {
    const lsn = this.lastLsn + 1;
    this.lastLsn = lsn;
    this.pending.push({ lsn, operations, undo, segment: this.currentSegment });
    this.scheduleFlush();
    return lsn;
  }

  /** Resolves once every record up to `lsn` is on disk; rejects if it never will be. */
  waitDurable(lsn: number = this.lastLsn): Promise<void> {
    if (lsn <= this.durableLsn) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ lsn, resolve, reject }));
  }

  /** Records from now on go to a new segment file; returns the last LSN of the old ones. */
  rotate(): number {
    this.currentSegment = this.lastLsn + 1;
    this.bytes = 0;
    return this.lastLsn;
  }

  async close(): Promise<void> {
    await this.waitDurable().catch(() => undefined);
    await this.flushing;
    await this.handle?.close();
    this.handle = undefined;
  }

  private scheduleFlush(): void {
    if (this.flushing) return;
    this.flushing = this.flushAll().finally(() => {
      this.flushing = undefined;
      if (this.pending.length > 0) this.scheduleFlush();
    });
  }

  private async flushAll(): Promise<void> {
    // Let the commands already queued on this turn join the group.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.pending.length);
      const groups = groupBySegment(batch);
      for (let index = 0; index < groups.length; index += 1) {
        const group = groups[index] as PendingRecord[];
        try {
          await this.write(group);
        } catch (error) {
          this.rollBack(groups.slice(index).flat(), error as NodeJS.ErrnoException);
          return;
        }
        this.durableLsn = (group[group.length - 1] as PendingRecord).lsn;
        this.settle();
      }
    }
  }

  private async write(records: readonly PendingRecord[]): Promise<void> {
    const segment = (records[0] as PendingRecord).segment;
    if (this.handleSegment !== segment) await this.openSegment(segment);
    const handle = this.handle as fs.FileHandle;
    const start = this.offset;
    // The batch id lets replay tell a torn last write from damage to an acknowledged one.
    const batch = (records[0] as PendingRecord).lsn;
    const frames = records.map((record) => frame(JOURNAL_MAGIC, encodeRecord(record.lsn, batch, record.operations)));
    try {
      let position = start;
      for (const chunk of chunksOf(frames)) {
        // Written synchronously: this thread does nothing but the database, a write to the page cache
        // takes microseconds, and the thread pool's round trip cost each acknowledgement more than that.
        // The fdatasync, which waits on the disk, stays off the thread.
        const bytesWritten = writevSync(handle.fd, chunk, position);
        const expected = chunk.reduce((sum, bytes) => sum + bytes.length, 0);
        if (bytesWritten !== expected) throw Object.assign(new Error('short journal write'), { code: 'ENOSPC' });
        position += bytesWritten;
      }
      if (this.sync) await handle.datasync();
      this.bytes += position - start;
      this.offset = position;
    } catch (error) {
      await handle.truncate(start).catch(() => undefined);
      throw error;
    }
  }

  private async openSegment(segment: number): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
    const file = path.join(this.dir, segmentName(segment));
    // Positional writes: not O_APPEND, so a write after a failed one overwrites its leftovers.
    const handle = await fs.open(file, fsConstants.O_RDWR | fsConstants.O_CREAT, 0o644);
    try {
      this.offset = (await handle.stat()).size;
      await handle.sync();
      await syncDirectory(this.dir);
    } catch (error) {
      await handle.close();
      throw error;
    }
    this.handle = handle;
    this.handleSegment = segment;
  }

  private rollBack(batch: PendingRecord[], cause: NodeJS.ErrnoException): void {
    const lost = [...batch, ...this.pending.splice(0, this.pending.length)];
    for (const record of [...lost].reverse()) record.undo();
    this.lastLsn = this.durableLsn;
    this.currentSegment = Math.min(this.currentSegment, this.lastLsn + 1);
    const error = new JournalWriteError(cause);
    for (const waiter of this.waiters.splice(0, this.waiters.length)) waiter.reject(error);
  }

  private settle(): void {
    const still: Waiter[] = [];
    for (const waiter of this.waiters) {
      if (waiter.lsn <= this.durableLsn) waiter.resolve();
      else still.push(waiter);
    }
    this.waiters = still;
  }
}

function groupBySegment(records: readonly PendingRecord[]): PendingRecord[][] {
  const groups: PendingRecord[][] = [];
  for (const record of records) {
    const last = groups[groups.length - 1];
    if (last && (last[0] as PendingRecord).segment === record.segment) last.push(record);
    else groups.push([record]);
  }
  return groups;
}

/** writev takes at most IOV_MAX (1024) buffers at a time. */
function* chunksOf(buffers: readonly Buffer[]): Generator<Buffer[]> {
  for (let start = 0; start < buffers.length; start += 1024) yield buffers.slice(start, start + 1024);
}
