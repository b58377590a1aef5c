import { ObjectId, type Document } from 'bson';
import { Aggregator } from 'mingo';
import type { CommandContext, CommandHandler } from './command-handler';
import { findDocuments, normalizeSort } from './document-query';
import { applyUpdate, upsertSeed } from './document-update';
import { StoreCommandError } from './store-command.error';

function writeErrorOf(index: number, error: unknown): Document {
  if (error instanceof StoreCommandError)
    return { index, code: error.code, codeName: error.codeName, errmsg: error.message, ...error.details };
  return { index, code: 1, codeName: 'InternalError', errmsg: (error as Error).message };
}

function withId(document: Document): Document {
  if (document._id !== undefined) return document;
  return { _id: new ObjectId(), ...document };
}

const insert: CommandHandler = ({ store, database, body }) => {
  const name = String(body.insert);
  const documents = (body.documents as Document[]) ?? [];
  const ordered = body.ordered !== false;
  const writeErrors: Document[] = [];
  let n = 0;
  store.ensureCollection(database, name);
  for (const [index, document] of documents.entries()) {
    try {
      store.insert(database, name, withId(document));
      n += 1;
    } catch (error) {
      writeErrors.push(writeErrorOf(index, error));
      if (ordered) break;
    }
  }
  return writeErrors.length > 0 ? { n, writeErrors, ok: 1 } : { n, ok: 1 };
};

/** Inserts what an upsert creates; returns the new document. */
function upsert(
  context: CommandContext,
  name: string,
  filter: Document | undefined,
  change: Document | Document[],
  arrayFilters?: Document[],
): Document {
  const { document } = applyUpdate(upsertSeed(filter), change, { arrayFilters, filter, inserting: true });
  context.store.insert(context.database, name, document);
  return document;
}

const update: CommandHandler = (context) => {
  const { store, database, body } = context;
  const name = String(body.update);
  const ordered = body.ordered !== false;
  const writeErrors: Document[] = [];
  const upserted: Document[] = [];
  let matched = 0;
  let modified = 0;
  for (const [index, statement] of ((body.updates as Document[]) ?? []).entries()) {
    try {
      const filter = statement.q as Document | undefined;
      const change = statement.u as Document | Document[];
      const arrayFilters = statement.arrayFilters as Document[] | undefined;
      const targets = findDocuments(store.collection(database, name), filter, {
        limit: statement.multi ? 0 : 1,
        sort: normalizeSort(statement.sort),
      });
      if (targets.length === 0 && statement.upsert) {
        upserted.push({ index, _id: upsert(context, name, filter, change, arrayFilters)._id });
        continue;
      }
      for (const target of targets) {
        const outcome = applyUpdate(target, change, { arrayFilters, filter });
        matched += 1;
        if (!outcome.changed) continue;
        store.replace(database, name, outcome.document);
        modified += 1;
      }
    } catch (error) {
      writeErrors.push(writeErrorOf(index, error));
      if (ordered) break;
    }
  }
  const response: Document = { n: matched + upserted.length, nModified: modified, ok: 1 };
  if (upserted.length > 0) response.upserted = upserted;
  if (writeErrors.length > 0) response.writeErrors = writeErrors;
  return response;
};

const deleteCommand: CommandHandler = ({ store, database, body }) => {
  const name = String(body.delete);
  const ordered = body.ordered !== false;
  const writeErrors: Document[] = [];
  let n = 0;
  for (const [index, statement] of ((body.deletes as Document[]) ?? []).entries()) {
    try {
      const targets = findDocuments(store.collection(database, name), statement.q as Document | undefined, {
        limit: Number(statement.limit ?? 0) === 1 ? 1 : 0,
      });
      for (const target of targets) store.remove(database, name, target._id);
      n += targets.length;
    } catch (error) {
      writeErrors.push(writeErrorOf(index, error));
      if (ordered) break;
    }
  }
  return writeErrors.length > 0 ? { n, writeErrors, ok: 1 } : { n, ok: 1 };
};

function projectOne(document: Document | null, fields: Document | undefined): Document | null {
  if (!document || !fields || Object.keys(fields).length === 0) return document;
  return (new Aggregator([{ $project: fields }]).run([document]) as Document[])[0] ?? null;
}

const findAndModify: CommandHandler = (context) => {
  const { store, database, body } = context;
  const name = String(body.findAndModify ?? body.findandmodify);
  const filter = body.query as Document | undefined;
  const fields = body.fields as Document | undefined;
  const [target] = findDocuments(store.collection(database, name), filter, { sort: normalizeSort(body.sort), limit: 1 });
  if (body.remove === true) {
    if (target) store.remove(database, name, target._id);
    return { lastErrorObject: { n: target ? 1 : 0 }, value: projectOne(target ?? null, fields), ok: 1 };
  }
  const change = body.update as Document | Document[] | undefined;
  if (!change) throw new StoreCommandError(9, 'FailedToParse', 'findAndModify needs remove or update');
  const arrayFilters = body.arrayFilters as Document[] | undefined;
  if (target) {
    const outcome = applyUpdate(target, change, { arrayFilters, filter });
    if (outcome.changed) store.replace(database, name, outcome.document);
    return { lastErrorObject: { n: 1, updatedExisting: true }, value: projectOne(body.new ? outcome.document : target, fields), ok: 1 };
  }
  if (!body.upsert) return { lastErrorObject: { n: 0, updatedExisting: false }, value: null, ok: 1 };
  const created = upsert(context, name, filter, change, arrayFilters);
  return {
    lastErrorObject: { n: 1, updatedExisting: false, upserted: created._id },
    value: body.new ? projectOne(created, fields) : null,
    ok: 1,
  };
};

export const writeCommands: Record<string, CommandHandler> = {
  insert,
  update,
  delete: deleteCommand,
  findAndModify,
  findandmodify: findAndModify,
};
