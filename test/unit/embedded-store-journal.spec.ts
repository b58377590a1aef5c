import fs from 'node:fs/promises';
import path from 'node:path';
import { ObjectId, serialize } from 'bson';
import { idKeyOf } from '../../src/database/embedded/bson-values';
import { EmbeddedStore } from '../../src/database/embedded/embedded-store';
import { readFrame } from '../../src/database/embedded/frame-format';
import { JOURNAL_MAGIC } from '../../src/database/embedded/journal';
import { journalSegments } from '../../src/database/embedded/journal-replay';
import { pick, randomDocument, seededRandom } from '../support/random-documents';
import { tempWorkspace } from '../support/workspace';

/** Everything a store holds, as bytes: collections, index definitions and BSON documents. */
function imageOf(store: EmbeddedStore): string[] {
  const lines: string[] = [];
  for (const db of store.databaseNames().sort()) {
    for (const name of store.collectionNames(db).sort()) {
      const collection = store.collection(db, name);
      if (!collection) continue;
      lines.push(`${db}.${name} ${JSON.stringify(collection.indexSpecs().sort((a, b) => a.name.localeCompare(b.name)))}`);
      const documents = [...collection.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
      for (const [, document] of documents) lines.push(Buffer.from(serialize(document)).toString('hex'));
    }
  }
  return lines;
}

/** One random command: one to three changes of the same kind a repository makes. */
function randomCommand(store: EmbeddedStore, random: () => number): void {
  const collection = pick(random, ['reports', 'jobs', 'audit']);
  const existing = [...(store.collection('osteon', collection)?.values() ?? [])];
  const action = random();
  if (action < 0.45 || existing.length === 0) {
    const count = 1 + Math.floor(random() * 3);
    for (let index = 0; index < count; index += 1) store.insert('osteon', collection, { _id: new ObjectId(), ...randomDocument(random) });
  } else if (action < 0.75) {
    const target = pick(random, existing);
    store.replace('osteon', collection, { ...randomDocument(random), _id: target._id });
  } else if (action < 0.9) {
    store.remove('osteon', collection, pick(random, existing)._id);
  } else if (action < 0.96) {
    const field = pick(random, ['a', 'b', 'c']);
    store.createIndex('osteon', collection, { name: `${field}_1`, key: { [field]: 1 } });
  } else {
    store.dropIndex('osteon', collection, pick(random, ['a_1', 'b_1', 'c_1']));
  }
}

/** Start and end offsets of each record in a journal file. */
function recordSpans(bytes: Buffer): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  for (let offset = 0; ;) {
    const read = readFrame(bytes, offset, JOURNAL_MAGIC);
    if (read.kind !== 'frame') return spans;
    spans.push([offset, read.next]);
    offset = read.next;
  }
}

async function newestSegment(dir: string): Promise<string> {
  const segments = await journalSegments(dir);
  return path.join(dir, segments[segments.length - 1] as string);
}

describe('the embedded database journal', () => {
  let workspace: { dir: string; cleanup: () => Promise<void> };

  beforeAll(async () => {
    workspace = await tempWorkspace('journal');
  });

  afterAll(async () => {
    await workspace.cleanup();
  });

  it.each(Array.from({ length: 24 }, (_, index) => index + 1))(
    'replays exactly the acknowledged prefix, every BSON type intact, when the journal is cut at a random byte (seed %i)',
    async (seed) => {
      const random = seededRandom(seed);
      const dir = path.join(workspace.dir, `cut-${seed}`);
      const { store } = await EmbeddedStore.open(dir);
      const compactAt = seed % 3 === 0 ? 20 : -1;
      const images = new Map<number, string[]>();
      const sizes: Array<{ lsn: number; bytes: number }> = [];
      let segment: string | undefined;
      for (let command = 0; command < 60; command += 1) {
        if (command === compactAt) await store.compact();
        randomCommand(store, random);
        store.commit();
        await store.durable();
        segment = await newestSegment(dir);
        const lsn = (store as unknown as { journal: { lastAppended: number } }).journal.lastAppended;
        images.set(lsn, imageOf(store));
        sizes.push({ lsn, bytes: (await fs.stat(segment)).size });
      }
      // The crash: nothing is closed, and the newest segment loses its end at a random byte.
      const file = segment as string;
      const firstLsnInFile = Number(/(\d{16})/.exec(path.basename(file))?.[1]);
      const full = (await fs.stat(file)).size;
      const cut = Math.floor(random() * (full + 1));
      await fs.truncate(file, cut);
      const surviving = sizes.filter((entry) => entry.lsn >= firstLsnInFile && entry.bytes <= cut);
      const expectedLsn = surviving.length > 0 ? (surviving[surviving.length - 1] as { lsn: number }).lsn : firstLsnInFile - 1;

      const reopened = await EmbeddedStore.open(dir);
      try {
        expect(reopened.stats.lastLsn).toBe(expectedLsn);
        expect(imageOf(reopened.store)).toEqual(images.get(expectedLsn) ?? []);
      } finally {
        await reopened.store.close();
      }
    },
  );

  it('refuses to start on a record damaged in the middle, naming the file and offset, and changes no file', async () => {
    const dir = path.join(workspace.dir, 'middle');
    const { store } = await EmbeddedStore.open(dir);
    for (let index = 0; index < 20; index += 1) {
      store.insert('osteon', 'users', { _id: new ObjectId(), username: `user${index}`, at: new Date() });
      store.commit();
      await store.durable();
    }
    await store.close();
    const file = await newestSegment(dir);
    const bytes = await fs.readFile(file);
    const offset = Math.floor(bytes.length / 2);
    bytes[offset] = (bytes[offset] as number) ^ 0xff;
    await fs.writeFile(file, bytes);

    await expect(EmbeddedStore.open(dir)).rejects.toThrow(new RegExp(`${path.basename(file)} is damaged at byte \\d+`));
    expect(await fs.readFile(file)).toEqual(bytes);
    await expect(fs.access(path.join(dir, 'LOCK'))).rejects.toThrow();
  });

  it('cuts a torn last write (a crash during its fsync) and keeps everything before it', async () => {
    const dir = path.join(workspace.dir, 'torn');
    const { store } = await EmbeddedStore.open(dir);
    const ids: ObjectId[] = [];
    for (let index = 0; index < 5; index += 1) {
      ids.push(new ObjectId());
      store.insert('osteon', 'labels', { _id: ids[index], n: index });
      store.commit();
      await store.durable();
    }
    // Three records go out in one write (group commit); the crash leaves the first one zeroed.
    for (let index = 5; index < 8; index += 1) {
      store.insert('osteon', 'labels', { _id: new ObjectId(), n: index });
      store.commit();
    }
    await store.durable();
    await store.close();
    const file = await newestSegment(dir);
    const bytes = await fs.readFile(file);
    const spans = recordSpans(bytes);
    expect(spans).toHaveLength(8);
    bytes.fill(0, ...(spans[5] as [number, number]));
    await fs.writeFile(file, bytes);

    const reopened = await EmbeddedStore.open(dir);
    expect(reopened.stats.lastLsn).toBe(5);
    expect(reopened.stats.tornBytes).toBe(bytes.length - (spans[5] as [number, number])[0]);
    expect([...(reopened.store.collection('osteon', 'labels')?.keys() ?? [])]).toEqual(ids.map(idKeyOf));
    await reopened.store.close();
  });

  it('treats a lost record that a later write followed as damage, not as a torn write', async () => {
    const dir = path.join(workspace.dir, 'acknowledged');
    const { store } = await EmbeddedStore.open(dir);
    for (let index = 0; index < 6; index += 1) {
      store.insert('osteon', 'labels', { _id: new ObjectId(), n: index });
      store.commit();
      await store.durable();
    }
    await store.close();
    const file = await newestSegment(dir);
    const bytes = await fs.readFile(file);
    const spans = recordSpans(bytes);
    expect(spans).toHaveLength(6);
    bytes.fill(0, ...(spans[4] as [number, number]));
    await fs.writeFile(file, bytes);
    await expect(EmbeddedStore.open(dir)).rejects.toThrow(/is damaged at byte/);
  });

  it('keeps indexes and unique constraints across a restart and a compaction', async () => {
    const dir = path.join(workspace.dir, 'indexes');
    let { store } = await EmbeddedStore.open(dir);
    store.createIndex('osteon', 'users', { name: 'username', key: { username: 1 }, unique: true });
    store.insert('osteon', 'users', { _id: new ObjectId(), username: 'drhouse' });
    store.commit();
    await store.compact();
    store.insert('osteon', 'users', { _id: new ObjectId(), username: 'drcameron' });
    store.commit();
    await store.close();
    ({ store } = await EmbeddedStore.open(dir));
    expect(
      store
        .collection('osteon', 'users')
        ?.indexSpecs()
        .map((spec) => spec.name),
    ).toEqual(['_id_', 'username']);
    expect(() => store.insert('osteon', 'users', { _id: new ObjectId(), username: 'drhouse' })).toThrow(/duplicate key/);
    await store.close();
  });

  it('refuses a second process on the same folder while the first one runs', async () => {
    const dir = path.join(workspace.dir, 'locked');
    const { store } = await EmbeddedStore.open(dir);
    await fs.writeFile(path.join(dir, 'LOCK'), '1');
    await expect(EmbeddedStore.open(dir)).rejects.toThrow(/in use by process 1/);
    await store.close();
  });
});
