import { MongoBulkWriteError, type Collection, type Document, type OptionalUnlessRequiredId } from 'mongodb';

/** Documents sent in one insert command at most (a burst's queue is drained in slices). */
const MOST_PER_COMMAND = 64;

interface Waiting<T> {
  readonly document: OptionalUnlessRequiredId<T>;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Inserts into one collection, one command in flight at a time: documents that arrive while a command
 * is out go together in the next one (unordered), each settling with its own outcome: a duplicate key
 * rejects only its own document. One sender waits exactly as with `insertOne`; several rooms sending at
 * once share the driver's per-command cost (~0.6-0.8 ms of the receiving thread each, measured against
 * the embedded database: bench/README.md, issue 21), which bounded ingest with four associations.
 */
export class CoalescedInserts<T extends Document> {
  private readonly queue: Array<Waiting<T>> = [];
  private sending = false;

  constructor(private readonly collection: () => Collection<T>) {}

  insert(document: OptionalUnlessRequiredId<T>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ document, resolve, reject });
      if (!this.sending) this.sendNext();
    });
  }

  private sendNext(): void {
    const batch = this.queue.splice(0, MOST_PER_COMMAND);
    this.sending = batch.length > 0;
    if (!this.sending) return;
    void this.send(batch).finally(() => this.sendNext());
  }

  private async send(batch: Array<Waiting<T>>): Promise<void> {
    try {
      const [only] = batch;
      // insertOne for one document: the driver's bulk path (insertMany) costs more.
      if (batch.length === 1 && only) await this.collection().insertOne(only.document);
      else
        await this.collection().insertMany(
          batch.map(({ document }) => document),
          { ordered: false },
        );
      for (const waiting of batch) waiting.resolve();
    } catch (error) {
      settleEach(batch, error);
    }
  }
}

/** An unordered insert's failure: the documents it names failed with their own errors, the others are in; anything else failed them all. */
function settleEach<T>(batch: ReadonlyArray<Waiting<T>>, error: unknown): void {
  const writeErrors = error instanceof MongoBulkWriteError && !error.result.getWriteConcernError() ? [error.writeErrors].flat() : [];
  if (writeErrors.length === 0) {
    for (const waiting of batch) waiting.reject(error);
    return;
  }
  const failed = new Map(writeErrors.map((each) => [each.index, each]));
  batch.forEach((waiting, index) => {
    const writeError = failed.get(index);
    if (!writeError) return waiting.resolve();
    waiting.reject(Object.assign(new Error(writeError.errmsg ?? 'insert failed'), { code: writeError.code }));
  });
}
