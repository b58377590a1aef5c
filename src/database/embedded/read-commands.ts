import { Long, type Document } from 'bson';
import { Aggregator } from 'mingo';
import { cloneDocument, idKeyOf, valueAtPath } from './bson-values';
import type { CommandHandler } from './command-handler';
import { cursorIdOf } from './cursor-registry';
import { countDocuments, explainQuery, findDocuments, findProjectedFields, inclusionFields, normalizeSort } from './document-query';
import { StoreCommandError } from './store-command.error';

function project(documents: Document[], projection: Document | undefined): Document[] {
  if (!projection || Object.keys(projection).length === 0) return documents;
  const [probe] = documents;
  if (!probe) return documents;
  return new Aggregator([{ $project: projection }]).run(documents) as Document[];
}

const find: CommandHandler = ({ store, cursors, database, body }) => {
  const name = String(body.find);
  const singleBatch = body.singleBatch === true || Number(body.limit ?? 0) < 0;
  const batchSize = body.batchSize === undefined ? undefined : Number(body.batchSize);
  const projection = body.projection as Document | undefined;
  const fields = body.sort || body.skip ? undefined : inclusionFields(projection);
  if (fields) {
    const withId = (projection as Document)._id !== 0 && (projection as Document)._id !== false;
    const projected = findProjectedFields(
      store.collection(database, name),
      body.filter as Document | undefined,
      fields,
      withId,
      Math.abs(Number(body.limit ?? 0)),
    );
    if (projected) return { cursor: cursors.open(`${database}.${name}`, projected, batchSize, singleBatch), ok: 1 };
  }
  const documents = findDocuments(store.collection(database, name), body.filter as Document | undefined, {
    sort: normalizeSort(body.sort),
    skip: Number(body.skip ?? 0),
    limit: Math.abs(Number(body.limit ?? 0)),
  });
  return { cursor: cursors.open(`${database}.${name}`, project(documents, projection), batchSize, singleBatch), ok: 1 };
};

const getMore: CommandHandler = ({ cursors, database, body }) => {
  const id = cursorIdOf(body.getMore);
  const cursor = cursors.next(
    id,
    `${database}.${String(body.collection)}`,
    body.batchSize === undefined ? undefined : Number(body.batchSize),
  );
  if (!cursor) throw new StoreCommandError(43, 'CursorNotFound', `cursor id ${id} not found`);
  return { cursor, ok: 1 };
};

const killCursors: CommandHandler = ({ cursors, body }) => {
  const { killed, notFound } = cursors.kill(((body.cursors as unknown[]) ?? []).map(cursorIdOf));
  return {
    cursorsKilled: killed.map((id) => Long.fromBigInt(id)),
    cursorsNotFound: notFound.map((id) => Long.fromBigInt(id)),
    cursorsAlive: [],
    cursorsUnknown: [],
    ok: 1,
  };
};

const count: CommandHandler = ({ store, database, body }) => ({
  n: countDocuments(
    store.collection(database, String(body.count)),
    body.query as Document | undefined,
    Number(body.skip ?? 0),
    Number(body.limit ?? 0),
  ),
  ok: 1,
});

const distinct: CommandHandler = ({ store, database, body }) => {
  const key = String(body.key);
  const values = new Map<string, unknown>();
  for (const document of findDocuments(store.collection(database, String(body.distinct)), body.query as Document | undefined)) {
    const { value } = valueAtPath(document, key);
    const items = Array.isArray(value) ? value : value === undefined ? [] : [value];
    for (const item of items) values.set(idKeyOf(item), item);
  }
  return { values: [...values.values()], ok: 1 };
};

// mingo changes input documents in place for these stages: they get copies.
const STAGES_THAT_WRITE_INPUT = new Set([
  '$addFields',
  '$set',
  '$unset',
  '$replaceRoot',
  '$replaceWith',
  '$redact',
  '$fill',
  '$setWindowFields',
  '$densify',
]);

function writesInput(pipeline: readonly Document[]): boolean {
  return pipeline.some((stage) => {
    const [name] = Object.keys(stage);
    if (name === '$facet') return Object.values(stage.$facet as Record<string, Document[]>).some(writesInput);
    return STAGES_THAT_WRITE_INPUT.has(name ?? '');
  });
}

/** `[$skip|$limit]* $group {_id: <constant>, n: {$sum: 1}}`: what countDocuments sends. */
function countOnly(stages: readonly Document[]): { skip: number; limit: number; field: string; id: unknown } | undefined {
  let skip = 0;
  let limit = 0;
  for (const [position, stage] of stages.entries()) {
    if ('$skip' in stage && limit === 0) skip += Number(stage.$skip);
    else if ('$limit' in stage) limit = limit === 0 ? Number(stage.$limit) : Math.min(limit, Number(stage.$limit));
    else if ('$group' in stage && position === stages.length - 1) {
      const { _id: id, ...fields } = stage.$group as Document;
      const entries = Object.entries(fields);
      const [field, accumulator] = entries[0] ?? [];
      const constant = id === null || typeof id === 'number' || (typeof id === 'string' && !id.startsWith('$'));
      if (entries.length !== 1 || !constant || JSON.stringify(accumulator) !== '{"$sum":1}') return undefined;
      return { skip, limit, field: field as string, id };
    } else return undefined;
  }
  return undefined;
}

const aggregate: CommandHandler = ({ store, cursors, database, body }) => {
  const name = String(body.aggregate);
  const pipeline = (body.pipeline as Document[]) ?? [];
  if (pipeline.some((stage) => '$out' in stage || '$merge' in stage))
    throw new StoreCommandError(115, 'CommandNotSupported', '$out and $merge are not supported by the embedded database');
  const [first] = pipeline;
  const match = first && '$match' in first ? (first.$match as Document) : undefined;
  const rest = match ? pipeline.slice(1) : pipeline;
  const collection = store.collection(database, name);
  const counting = countOnly(rest);
  let results: Document[];
  if (counting) {
    const n = countDocuments(collection, match, counting.skip, counting.limit);
    results = n > 0 ? [{ _id: counting.id, [counting.field]: n }] : [];
  } else {
    let input = findDocuments(collection, match);
    if (writesInput(rest)) input = input.map(cloneDocument);
    const resolve = (other: string): Document[] => findDocuments(store.collection(database, other), undefined);
    results = rest.length === 0 ? input : (new Aggregator(rest, { collectionResolver: resolve }).run(input) as Document[]);
  }
  const batchSize = (body.cursor as Document | undefined)?.batchSize;
  return { cursor: cursors.open(`${database}.${name}`, results, batchSize === undefined ? undefined : Number(batchSize)), ok: 1 };
};

const explain: CommandHandler = ({ store, database, body }) => {
  const inner = body.explain as Document;
  const [command] = Object.keys(inner);
  const name = String(inner[command as string]);
  const filter = (inner.filter ?? inner.query ?? ((inner.pipeline as Document[] | undefined)?.[0]?.$match as Document | undefined)) as
    Document | undefined;
  const winningPlan = explainQuery(store.collection(database, name), filter, normalizeSort(inner.sort));
  return { queryPlanner: { namespace: `${database}.${name}`, winningPlan }, ok: 1 };
};

export const readCommands: Record<string, CommandHandler> = { find, getMore, killCursors, count, distinct, aggregate, explain };
