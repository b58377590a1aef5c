import fs from 'node:fs/promises';
import path from 'node:path';
import { MongoClient, ObjectId } from 'mongodb';
import { idKeyOf } from '../../src/database/embedded/bson-values';
import { runEmbeddedDatabase } from '../../src/database/embedded/embedded-database.runner';
import { mountSmallDisk } from '../support/tmpfs';
import { tempWorkspace } from '../support/workspace';

describe('the embedded database on a full disk', () => {
  let workspace: { dir: string; cleanup: () => Promise<void> };

  beforeAll(async () => {
    workspace = await tempWorkspace('disk-full');
  });

  afterAll(async () => {
    await workspace.cleanup();
  });

  it('fails the write the caller sees (OutOfDiskSpace), loses nothing acknowledged, and recovers when space returns', async () => {
    const disk = path.join(workspace.dir, 'disk');
    const unmount = await mountSmallDisk(disk, '2m', 'the disk-full test');
    if (!unmount) return;
    try {
      const dir = path.join(disk, 'database');
      let database = await runEmbeddedDatabase({ dir });
      let client = await new MongoClient(`mongodb://127.0.0.1:${database.port}/?directConnection=true`, {
        writeConcern: { w: 'majority', journal: true },
      }).connect();
      const labels = client.db('osteon').collection('labels');
      // Leave about 400 KiB free, then write 16 KiB records until the disk is full.
      await fs.writeFile(path.join(disk, 'ballast'), Buffer.alloc(2 * 1024 * 1024 - 400 * 1024)).catch(() => undefined);
      const payload = 'x'.repeat(16 * 1024);
      const acknowledged: ObjectId[] = [];
      let failure: { code?: number } | undefined;
      for (let index = 0; index < 400 && !failure; index += 1) {
        const _id = new ObjectId();
        try {
          await labels.insertOne({ _id, index, payload });
          acknowledged.push(_id);
        } catch (error) {
          failure = error as { code?: number };
        }
      }
      expect(failure?.code).toBe(14031);
      expect(acknowledged.length).toBeGreaterThan(5);
      // The refused write was taken back: the database holds exactly what it acknowledged.
      expect(await labels.countDocuments({})).toBe(acknowledged.length);

      // Space returns: the same connection writes again.
      await fs.rm(path.join(disk, 'ballast'));
      const more = new ObjectId();
      await labels.insertOne({ _id: more, index: -1, payload: 'after' });
      acknowledged.push(more);

      await client.close();
      await database.stop();
      database = await runEmbeddedDatabase({ dir });
      expect(database.store.collection('osteon', 'labels')?.keys() ?? []).toEqual(acknowledged.map(idKeyOf));
      client = await new MongoClient(`mongodb://127.0.0.1:${database.port}/?directConnection=true`).connect();
      expect(await client.db('osteon').collection('labels').countDocuments({})).toBe(acknowledged.length);
      await client.close();
      await database.stop();
    } finally {
      await unmount();
    }
  });
});
