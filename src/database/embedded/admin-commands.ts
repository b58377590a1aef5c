import { calculateObjectSize, type Document } from 'bson';
import type { CommandHandler } from './command-handler';
import { matcherOf } from './document-query';
import type { IndexSpec } from './sorted-index';
import { StoreCommandError } from './store-command.error';

export const SERVER_VERSION = '7.0.0';
const MAX_BSON_BYTES = 16 * 1024 * 1024;

// No topologyVersion: without it drivers poll instead of holding an awaitable hello open.
const hello: CommandHandler = ({ connectionId, body }) => ({
  helloOk: true,
  isWritablePrimary: true,
  ismaster: true,
  maxBsonObjectSize: MAX_BSON_BYTES,
  maxMessageSizeBytes: 48_000_000,
  maxWriteBatchSize: 100_000,
  localTime: new Date(),
  logicalSessionTimeoutMinutes: 30,
  connectionId,
  minWireVersion: 0,
  maxWireVersion: 21,
  readOnly: false,
  ...(body.saslSupportedMechs ? { saslSupportedMechs: [] } : {}),
  ok: 1,
});

const ok: CommandHandler = () => ({ ok: 1 });

const buildInfo: CommandHandler = () => ({
  version: SERVER_VERSION,
  versionArray: [7, 0, 0, 0],
  gitVersion: 'osteon-embedded',
  bits: 64,
  maxBsonObjectSize: MAX_BSON_BYTES,
  storageEngines: ['osteon-journal'],
  ok: 1,
});

const listDatabases: CommandHandler = ({ store, body }) => {
  const databases = store.databaseNames().map((name) => ({ name, sizeOnDisk: 0, empty: store.collectionNames(name).length === 0 }));
  const filtered = databases.filter(matcherOf(body.filter as Document | undefined));
  return { databases: body.nameOnly ? filtered.map(({ name }) => ({ name })) : filtered, totalSize: 0, ok: 1 };
};

const listCollections: CommandHandler = ({ store, cursors, database, body }) => {
  const infos = store.collectionNames(database).map((name) => ({
    name,
    type: 'collection',
    options: {},
    info: { readOnly: false },
    idIndex: { v: 2, key: { _id: 1 }, name: '_id_' },
  }));
  const matching = infos.filter(matcherOf(body.filter as Document | undefined));
  const documents = body.nameOnly ? matching.map(({ name, type }) => ({ name, type })) : matching;
  return { cursor: cursors.open(`${database}.$cmd.listCollections`, documents, undefined), ok: 1 };
};

const create: CommandHandler = ({ store, database, body }) => {
  const name = String(body.create);
  if (store.collection(database, name))
    throw new StoreCommandError(48, 'NamespaceExists', `Collection ${database}.${name} already exists.`);
  store.ensureCollection(database, name);
  return { ok: 1 };
};

const drop: CommandHandler = ({ store, database, body }) => {
  const name = String(body.drop);
  const indexes = store.collection(database, name)?.indexes.size ?? 0;
  store.dropCollection(database, name);
  return { nIndexesWas: indexes, ns: `${database}.${name}`, ok: 1 };
};

const dropDatabase: CommandHandler = ({ store, database }) => {
  store.dropDatabase(database);
  return { dropped: database, ok: 1 };
};

const renameCollection: CommandHandler = ({ store, body }) => {
  const [fromDb, ...fromRest] = String(body.renameCollection).split('.');
  const [toDb, ...toRest] = String(body.to).split('.');
  if (fromDb !== toDb) throw new StoreCommandError(20, 'IllegalOperation', 'the embedded database renames within one database only');
  const to = toRest.join('.');
  if (body.dropTarget) store.dropCollection(toDb as string, to);
  store.renameCollection(fromDb as string, fromRest.join('.'), to);
  return { ok: 1 };
};

function indexName(key: Record<string, unknown>): string {
  return Object.entries(key)
    .map(([field, direction]) => `${field}_${String(direction)}`)
    .join('_');
}

const createIndexes: CommandHandler = ({ store, database, body }) => {
  const name = String(body.createIndexes);
  const existed = !!store.collection(database, name);
  const before = store.collection(database, name)?.indexes.size ?? 1;
  for (const definition of (body.indexes as Document[]) ?? []) {
    const key = definition.key as Record<string, number>;
    if (Object.values(key).some((direction) => typeof direction !== 'number')) {
      throw new StoreCommandError(67, 'CannotCreateIndex', 'the embedded database supports ascending and descending indexes only');
    }
    if (definition.partialFilterExpression)
      throw new StoreCommandError(67, 'CannotCreateIndex', 'partial indexes are not supported by the embedded database');
    const spec: IndexSpec = {
      name: String(definition.name ?? indexName(key)),
      key,
      ...(definition.unique ? { unique: true } : {}),
      ...(definition.sparse ? { sparse: true } : {}),
    };
    store.createIndex(database, name, spec);
  }
  const after = store.collection(database, name)?.indexes.size ?? 1;
  return { numIndexesBefore: before, numIndexesAfter: after, createdCollectionAutomatically: !existed, ok: 1 };
};

const dropIndexes: CommandHandler = ({ store, database, body }) => {
  const name = String(body.dropIndexes);
  const collection = store.collection(database, name);
  if (!collection) throw new StoreCommandError(26, 'NamespaceNotFound', `ns not found ${database}.${name}`);
  const before = collection.indexes.size;
  const target = body.index;
  const names =
    target === '*'
      ? [...collection.indexes.keys()].filter((index) => index !== '_id_')
      : Array.isArray(target)
        ? target.map(String)
        : typeof target === 'string'
          ? [target]
          : [...collection.indexes.values()]
              .filter((index) => JSON.stringify(index.spec.key) === JSON.stringify(target))
              .map((index) => index.spec.name);
  for (const index of names) {
    if (!store.dropIndex(database, name, index)) throw new StoreCommandError(27, 'IndexNotFound', `index not found with name [${index}]`);
  }
  return { nIndexesWas: before, ok: 1 };
};

const listIndexes: CommandHandler = ({ store, cursors, database, body }) => {
  const name = String(body.listIndexes);
  const collection = store.collection(database, name);
  if (!collection) throw new StoreCommandError(26, 'NamespaceNotFound', `ns does not exist: ${database}.${name}`);
  const documents = collection.indexSpecs().map((spec) => ({
    v: 2,
    key: spec.key,
    name: spec.name,
    ...(spec.unique && spec.name !== '_id_' ? { unique: true } : {}),
    ...(spec.sparse ? { sparse: true } : {}),
  }));
  return { cursor: cursors.open(`${database}.$cmd.listIndexes.${name}`, documents, undefined), ok: 1 };
};

const collStats: CommandHandler = ({ store, database, body }) => {
  const name = String(body.collStats);
  const collection = store.collection(database, name);
  let size = 0;
  for (const stored of collection?.storedValues() ?? []) size += Buffer.isBuffer(stored) ? stored.length : calculateObjectSize(stored);
  const count = collection?.size ?? 0;
  return {
    ns: `${database}.${name}`,
    count,
    size,
    avgObjSize: count ? Math.round(size / count) : 0,
    nindexes: collection?.indexes.size ?? 0,
    ok: 1,
  };
};

const dbStats: CommandHandler = ({ store, database }) => {
  const names = store.collectionNames(database);
  const objects = names.reduce((sum, name) => sum + (store.collection(database, name)?.size ?? 0), 0);
  return { db: database, collections: names.length, objects, ok: 1 };
};

const serverStatus: CommandHandler = () => ({
  host: 'embedded',
  version: SERVER_VERSION,
  process: 'osteon',
  uptime: Math.round(process.uptime()),
  localTime: new Date(),
  ok: 1,
});

/** MongoDB's per-collection compact; here it snapshots the whole store (the reply waits for it). */
const compact: CommandHandler = ({ store }) => {
  store.requestCompaction();
  return { ok: 1 };
};

const replSetGetStatus: CommandHandler = () => {
  throw new StoreCommandError(76, 'NoReplicationEnabled', 'not running with --replSet');
};

export const adminCommands: Record<string, CommandHandler> = {
  hello,
  isMaster: hello,
  ismaster: hello,
  ping: ok,
  endSessions: ok,
  killSessions: ok,
  killAllSessions: ok,
  refreshSessions: ok,
  buildInfo,
  buildinfo: buildInfo,
  getParameter: ok,
  getCmdLineOpts: () => ({ argv: [], parsed: {}, ok: 1 }),
  hostInfo: () => ({ system: { hostname: 'embedded' }, ok: 1 }),
  whatsmyuri: () => ({ you: '127.0.0.1', ok: 1 }),
  connectionStatus: () => ({ authInfo: { authenticatedUsers: [], authenticatedUserRoles: [] }, ok: 1 }),
  getLog: () => ({ totalLinesWritten: 0, log: [], ok: 1 }),
  serverStatus,
  replSetGetStatus,
  listDatabases,
  listCollections,
  create,
  drop,
  dropDatabase,
  renameCollection,
  createIndexes,
  dropIndexes,
  deleteIndexes: dropIndexes,
  listIndexes,
  collStats,
  dbStats,
  compact,
};
