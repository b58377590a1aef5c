import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** A fresh temporary folder for one suite; removed by the returned cleanup. */
export async function tempWorkspace(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), `osteon-${prefix}-`));
  return { dir, cleanup: () => fs.rm(dir, { recursive: true, force: true }) };
}

/**
 * Staging files that hold data: a staged object the engine kept after answering (leaked or half
 * written). The empty files the engine makes ahead for the next objects (StagingFilePool) are not.
 */
export async function countStagedFiles(stagingRoot: string): Promise<number> {
  let count = 0;
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const entryPath = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(entryPath);
      else if ((await fs.stat(entryPath).catch(() => undefined))?.size) count += 1;
    }
  };
  await walk(stagingRoot);
  return count;
}

/**
 * `countStagedFiles` once the engine's work in flight has passed through staging: Osteon stores its
 * own results (the SC and SR of a study analysed meanwhile) through a staging file too, so one file
 * seen at a single moment may be an object on its way to the store. A leftover stays: the count is
 * polled until it is 0 or `timeoutMs` has passed, and returned either way.
 */
export async function settledStagedFiles(stagingRoot: string, timeoutMs = 20_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const count = await countStagedFiles(stagingRoot);
    if (count === 0 || Date.now() > deadline) return count;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export async function countFiles(root: string): Promise<number> {
  let count = 0;
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (entry.isDirectory()) await walk(path.join(dir, entry.name));
      else count += 1;
    }
  };
  await walk(root);
  return count;
}
