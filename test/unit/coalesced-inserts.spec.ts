import { MongoClient, type Collection } from 'mongodb';
import { CoalescedInserts } from '../../src/database/coalesced-inserts';
import { startTestDatabase, type TestDatabase } from '../support/mongo-peer';

interface Row {
  key: string;
  n: number;
}

describe('inserts coalesced while one is in flight (against the embedded database, or MONGODB_URI)', () => {
  let database: TestDatabase;
  let client: MongoClient;
  let collection: Collection<Row>;
  const insertCommands: number[] = [];

  beforeAll(async () => {
    database = await startTestDatabase();
    client = new MongoClient(database.uri, { monitorCommands: true, writeConcern: { w: 'majority', journal: true } });
    client.on('commandStarted', (event) => {
      if (event.commandName === 'insert') insertCommands.push((event.command.documents as unknown[]).length);
    });
    await client.connect();
    collection = client.db(`coalesced_${Date.now()}`).collection<Row>('rows');
    await collection.createIndex({ key: 1 }, { unique: true });
  });

  afterAll(async () => {
    await client?.close();
    await database?.stop();
  });

  beforeEach(async () => {
    await collection.deleteMany({});
    insertCommands.length = 0;
  });

  it('sends a lone insert at once, as one command of one document', async () => {
    const inserts = new CoalescedInserts(() => collection);
    await inserts.insert({ key: 'a', n: 1 });
    expect(insertCommands).toEqual([1]);
    expect(await collection.countDocuments()).toBe(1);
  });

  it('sends what arrives while a command is out together in the next, and stores every document', async () => {
    const inserts = new CoalescedInserts(() => collection);
    await Promise.all(Array.from({ length: 10 }, (_, n) => inserts.insert({ key: `k${n}`, n })));
    // The first goes alone; the nine that arrived meanwhile share one command.
    expect(insertCommands).toEqual([1, 9]);
    expect((await collection.find().sort({ n: 1 }).toArray()).map((row) => row.n)).toEqual([...Array(10).keys()]);
  });

  it('fails only the document that breaks a unique index, with its duplicate key code; the rest are stored', async () => {
    await collection.insertOne({ key: 'taken', n: 0 });
    insertCommands.length = 0;
    const inserts = new CoalescedInserts(() => collection);
    const outcomes = await Promise.allSettled([
      inserts.insert({ key: 'first', n: 1 }),
      inserts.insert({ key: 'second', n: 2 }),
      inserts.insert({ key: 'taken', n: 3 }),
      inserts.insert({ key: 'third', n: 4 }),
    ]);
    expect(insertCommands).toEqual([1, 3]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(((outcomes[2] as PromiseRejectedResult).reason as { code: number }).code).toBe(11000);
    expect((await collection.find({ n: { $gt: 0 } }).toArray()).map((row) => row.key).sort()).toEqual(['first', 'second', 'third']);
  });

  it('fails every document of a command that fails as a whole', async () => {
    const failing = new CoalescedInserts<Row>(() => {
      throw new Error('no connection');
    });
    const outcomes = await Promise.allSettled([failing.insert({ key: 'x', n: 1 }), failing.insert({ key: 'y', n: 2 })]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
  });
});
