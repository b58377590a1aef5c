import path from 'node:path';
import { MongoClient, ObjectId, type Db } from 'mongodb';
import type { AppConfig } from '../../src/config/app-config';
import { DatabaseService } from '../../src/database/database.service';
import { JobRepository } from '../../src/jobs/job.repository';
import { startTestDatabase, type TestDatabase } from '../support/mongo-peer';
import { startProcess, waitFor, type RunningProcess } from '../support/processes';

const WORKER = path.join(__dirname, '..', 'peers', 'job-worker-process.cjs');

interface Run {
  jobId: string;
  key: string;
  workerId: string;
  started: Date;
  finished?: Date;
}

describe('durable job queue shared by several engine processes', () => {
  let database: TestDatabase;
  let client: MongoClient;
  let db: Db;
  let dbName: string;
  let service: DatabaseService;
  let repository: JobRepository;
  const workers: RunningProcess[] = [];

  const startWorker = async (workerId: string, leaseMs = 2000): Promise<RunningProcess> => {
    const worker = await startProcess(process.execPath, [WORKER, database.uri, dbName, workerId, String(leaseMs)], { readyLine: /READY/ });
    workers.push(worker);
    return worker;
  };

  const enqueue = async (key: string, payload: Record<string, unknown> = {}): Promise<string> => {
    const now = new Date();
    const result = await db.collection('jobs').insertOne({
      type: 'analyse-study',
      key,
      payload,
      status: 'pending',
      attempts: 0,
      maxAttempts: 2,
      runAt: now,
      createdAt: now,
      updatedAt: now,
    });
    return result.insertedId.toHexString();
  };

  const job = (id: string) => db.collection('jobs').findOne({ _id: new ObjectId(id) });

  beforeAll(async () => {
    database = await startTestDatabase();
    dbName = `jobs_${Date.now()}`;
    client = new MongoClient(database.uri);
    await client.connect();
    db = client.db(dbName);
    service = new DatabaseService({
      database: { uri: database.uri, name: dbName, embedded: 'embedded' },
      dataDir: '/tmp',
    } as unknown as AppConfig);
    await service.onModuleInit();
    repository = new JobRepository(service);
  });

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.stop()));
  });

  afterAll(async () => {
    await client?.close();
    await service?.onApplicationShutdown();
    await database?.stop();
  });

  it('runs every job exactly once across 3 processes, never one key twice at the same time', async () => {
    const ids: string[] = [];
    for (let index = 0; index < 24; index += 1) ids.push(await enqueue(`study-${index % 8}`, { sleepMs: 40 }));
    await Promise.all(['w1', 'w2', 'w3'].map((id) => startWorker(id)));
    await waitFor(
      async () =>
        (await db.collection('jobs').countDocuments({ _id: { $in: ids.map((id) => new ObjectId(id)) }, status: 'done' })) === ids.length
          ? true
          : undefined,
      60_000,
    );
    const runs = (await db
      .collection<Run>('job_runs')
      .find({ jobId: { $in: ids } })
      .toArray()) as Run[];
    expect(runs).toHaveLength(ids.length);
    expect(new Set(runs.map((run) => run.jobId)).size).toBe(ids.length);
    expect(new Set(runs.map((run) => run.workerId)).size).toBeGreaterThan(1);
    const byKey = new Map<string, Run[]>();
    for (const run of runs) byKey.set(run.key, [...(byKey.get(run.key) ?? []), run]);
    for (const keyRuns of byKey.values()) {
      const sorted = keyRuns.sort((a, b) => a.started.getTime() - b.started.getTime());
      for (let index = 1; index < sorted.length; index += 1) {
        expect((sorted[index] as Run).started.getTime()).toBeGreaterThanOrEqual(((sorted[index - 1] as Run).finished as Date).getTime());
      }
    }
  });

  it('finishes a job whose worker was killed mid-run, once its lease expires', async () => {
    const id = await enqueue('study-crash', { sleepMs: 4000 });
    const doomed = await startWorker('doomed', 1000);
    await waitFor(async () => ((await db.collection('job_runs').countDocuments({ jobId: id })) === 1 ? true : undefined));
    await doomed.stop('SIGKILL');
    await startWorker('survivor', 1000);
    const done = await waitFor(async () => {
      const current = await job(id);
      return current?.status === 'done' ? current : undefined;
    }, 30_000);
    expect(done.attempts).toBe(2);
    const runs = await db.collection<Run>('job_runs').find({ jobId: id }).sort({ started: 1 }).toArray();
    expect(runs.map((run) => run.workerId)).toEqual(['doomed', 'survivor']);
  });

  it('retries a failing job with back-off, dead-letters it after the limit, and runs it again when replayed', async () => {
    const id = await enqueue('study-flaky', { failTimes: 2 });
    await startWorker('w-retry');
    const dead = await waitFor(async () => {
      const current = await job(id);
      return current?.status === 'dead' ? current : undefined;
    });
    expect(dead.attempts).toBe(2);
    expect(dead.lastError).toBe('transient failure 2');
    const runs = await db.collection<Run>('job_runs').find({ jobId: id }).sort({ started: 1 }).toArray();
    expect(runs).toHaveLength(2);
    expect((runs[1] as Run).started.getTime() - (runs[0] as Run).started.getTime()).toBeGreaterThanOrEqual(50);

    expect(await repository.replay(id)).toMatchObject({ status: 'pending', attempts: 0 });
    expect(await repository.replay(id)).toBeUndefined();
    const replayed = await waitFor(async () => {
      const current = await job(id);
      return current?.status === 'done' ? current : undefined;
    });
    expect(replayed.attempts).toBe(1);
  });

  it('dead-letters a poisoned job at once, without retrying it', async () => {
    const id = await enqueue('study-poison', { poison: true });
    await startWorker('w-poison');
    const dead = await waitFor(async () => {
      const current = await job(id);
      return current?.status === 'dead' ? current : undefined;
    });
    expect(dead).toMatchObject({ attempts: 1, lastError: 'poisoned input' });
  });
});
