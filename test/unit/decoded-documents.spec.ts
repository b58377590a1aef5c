import { deserialize, ObjectId, type Document } from 'bson';
import { idKeyOf } from '../../src/database/embedded/bson-values';
import { DecodedDocuments } from '../../src/database/embedded/decoded-documents';
import { EmbeddedStore } from '../../src/database/embedded/embedded-store';
import { tempWorkspace } from '../support/workspace';

describe('decoded documents (the embedded database keeps BSON, decoded forms only while read)', () => {
  function cacheAt(clock: { now: number }): { cache: DecodedDocuments; decodes: string[]; read(id: string): Document } {
    const cache = new DecodedDocuments(1000, () => clock.now);
    const decodes: string[] = [];
    return {
      cache,
      decodes,
      read: (id) =>
        cache.get(id, () => {
          decodes.push(id);
          return { id };
        }),
    };
  }

  it('decodes a document once while it is read every period, and again after two periods unread', () => {
    const clock = { now: 0 };
    const { cache, decodes, read } = cacheAt(clock);
    const first = read('a');
    read('b');
    expect(read('a')).toBe(first);
    clock.now = 1500; // next period: both move to the older generation, 'a' is read again
    expect(read('a')).toBe(first);
    clock.now = 2600; // 'b' was not read in the period before: dropped; 'a' was
    expect(read('a')).toBe(first);
    read('b');
    expect(decodes).toEqual(['a', 'b', 'b']);
    expect(cache.size).toBe(2);
  });

  it('drops everything after an idle spell longer than two periods, and a forgotten document at once', () => {
    const clock = { now: 0 };
    const { cache, decodes, read } = cacheAt(clock);
    read('a');
    read('b');
    cache.forget('b');
    read('b');
    clock.now = 5000;
    read('a');
    expect(decodes).toEqual(['a', 'b', 'b', 'a']);
    expect(cache.size).toBe(1);
  });

  it('stores what is written as its BSON bytes; a read decodes it, a change replaces what readers get', async () => {
    const workspace = await tempWorkspace('decoded-documents');
    try {
      const { store } = await EmbeddedStore.open(workspace.dir);
      const _id = new ObjectId();
      store.insert('osteon', 'reports', { _id, status: 'preliminary', at: new Date(0) });
      store.commit();
      const collection = store.collection('osteon', 'reports');
      const stored = collection?.getStored(idKeyOf(_id));
      expect(Buffer.isBuffer(stored)).toBe(true);
      expect(deserialize(stored as Buffer)).toEqual({ _id, status: 'preliminary', at: new Date(0) });
      const read = collection?.get(idKeyOf(_id));
      expect(read).toEqual({ _id, status: 'preliminary', at: new Date(0) });
      expect(collection?.get(idKeyOf(_id))).toBe(read);

      store.replace('osteon', 'reports', { _id, status: 'final', at: new Date(0) });
      store.commit();
      expect(collection?.get(idKeyOf(_id))?.status).toBe('final');
      expect(read?.status).toBe('preliminary');
      await store.close();
    } finally {
      await workspace.cleanup();
    }
  });
});
