import fs from 'node:fs';
import path from 'node:path';

/**
 * fsync calls for the blob store's and the embedded database's files and directories. The fsync waits
 * on the disk and goes to libuv's thread pool; opening and closing the descriptor are done on the
 * calling thread, because each trip to the pool costs more CPU than those calls themselves (see
 * storage/staging-writer.ts).
 */

/** Syncs the file behind `fd`, then closes it (also when the sync fails). */
export function syncAndClose(fd: number): Promise<void> {
  return new Promise((resolve, reject) => {
    fs.fsync(fd, (error) => {
      // Durable once synced: releasing the descriptor needs no thread of its own.
      closeQuietly(fd);
      if (error) reject(error);
      else resolve();
    });
  });
}

/** Writes the file's data to the disk (fdatasync), keeping it open: a flush while more is still to come. */
export function syncData(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.fdatasync(fd, (error) => (error ? reject(error) : resolve())));
}

/** Makes the directory's entries (a rename into it, a new subdirectory) durable. */
export function syncDirectory(directory: string): Promise<void> {
  let fd: number;
  try {
    fd = fs.openSync(directory, 'r');
  } catch (error) {
    return Promise.reject(error);
  }
  return syncAndClose(fd);
}

export function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // Already closed, or a descriptor whose data was synced: nothing more to do.
  }
}

/**
 * Makes `directory` (and any missing parents) and syncs the directories holding the new entries: a
 * directory made at first start is otherwise an entry a power cut can take back, with everything
 * acknowledged inside it. Its own parent is synced even when it was there already, since an earlier
 * start may have crashed before that sync.
 */
export async function ensureDurableDirectory(directory: string): Promise<void> {
  const firstCreated = await fs.promises.mkdir(directory, { recursive: true });
  const top = path.dirname(firstCreated ?? directory);
  for (let current = path.dirname(directory); ; current = path.dirname(current)) {
    await syncDirectory(current);
    if (current === top || current === path.dirname(current)) break;
  }
}
