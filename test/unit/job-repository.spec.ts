import type { DatabaseService } from '../../src/database/database.service';
import { JobRepository } from '../../src/jobs/job.repository';
import { openDatabaseService, startTestDatabase, type TestDatabase } from '../support/mongo-peer';

describe('JobRepository: scheduling many jobs in one write (storage)', () => {
  let database: TestDatabase;
  let service: DatabaseService;
  let jobs: JobRepository;

  beforeAll(async () => {
    database = await startTestDatabase();
    service = await openDatabaseService(database, `jobs_${Date.now()}`);
    jobs = new JobRepository(service);
  });

  afterAll(async () => {
    await service?.onApplicationShutdown();
    await database?.stop();
  });

  const job = (key: string, runAt: Date) => ({
    type: 'analyse-study' as const,
    key,
    payload: { studyInstanceUid: key },
    runAt,
    maxAttempts: 6,
    correlationId: 'c-1',
  });

  it('creates pending jobs, moves a pending one with the same key instead of adding one, and leaves a running one alone', async () => {
    const early = new Date('2026-12-02T10:00:00Z');
    const later = new Date('2026-12-02T10:05:00Z');
    await jobs.upsertPending({ ...job('study-a', early) });
    const running = await jobs.upsertPending({ ...job('study-b', new Date(early.getTime() + 1000)) });
    expect(await jobs.claim('worker-1', 60_000, ['analyse-study'])).toMatchObject({ key: 'study-a' });
    expect(await jobs.claim('worker-1', 60_000, ['analyse-study'])).toMatchObject({ id: running.id, status: 'running' });

    // study-a and study-b run now: a new pending job each; study-c is new; study-c twice collapses.
    await jobs.upsertPendingMany([job('study-a', later), job('study-b', later), job('study-c', early)]);
    await jobs.upsertPendingMany([job('study-c', later)]);

    const all = (await jobs.list({}, 0, 50)).items;
    const byKey = (key: string) => all.filter((each) => each.key === key).map((each) => [each.status, each.runAt?.toISOString()]);
    expect(byKey('study-a')).toEqual(
      expect.arrayContaining([
        ['running', early.toISOString()],
        ['pending', later.toISOString()],
      ]),
    );
    expect(byKey('study-b')).toHaveLength(2);
    expect(byKey('study-c')).toEqual([['pending', later.toISOString()]]);
    expect(all.find((each) => each.key === 'study-c')).toMatchObject({
      attempts: 0,
      maxAttempts: 6,
      correlationId: 'c-1',
      type: 'analyse-study',
    });
  });
});
