import type { AppConfig } from '../../src/config/app-config';
import type { DatabaseService } from '../../src/database/database.service';
import { HeatmapRepository } from '../../src/reports/heatmap.repository';
import { ReportEvents } from '../../src/reports/report-events';
import { ReportErrorCode, ReportException } from '../../src/reports/report.exception';
import { ReportRepository } from '../../src/reports/report.repository';
import { ReportService } from '../../src/reports/report.service';
import { parseWorklistQuery } from '../../src/reports/review-input';
import { openDatabaseService, startTestDatabase, type TestDatabase } from '../support/mongo-peer';

const DOCTOR_A = { id: 'doc-a', username: 'dr-a', role: 'doctor', displayName: 'Dr. A' };
const DOCTOR_B = { id: 'doc-b', username: 'dr-b', role: 'doctor' };

function report(name: string, fields: Record<string, unknown>): Record<string, unknown> {
  return {
    studyInstanceUid: `1.2.${name.length}.${Date.now()}.${Math.random().toString().slice(2, 8)}`,
    accessionNumber: `ACC-${name}`,
    patient: { patientId: `P-${name}`, name: `${name.toUpperCase()}^TEST`, birthDate: '19800101', sex: 'F' },
    status: 'preliminary',
    urgency: 'soon',
    urgencyRank: 1,
    findings: { fracture: true, probability: 0.8, countClass: '1', bodyPart: 'hand', urgency: 'soon' },
    images: [],
    notAnalysed: [],
    reviews: [],
    statusHistory: [],
    deliveries: {},
    firstReceivedAt: new Date('2026-03-14T08:00:00Z'),
    createdAt: new Date('2026-03-14T08:00:00Z'),
    updatedAt: new Date('2026-03-14T08:00:00Z'),
    revision: 0,
    contentVersion: 1,
    ...fields,
  };
}

describe('worklist and taking reports (storage)', () => {
  let database: TestDatabase;
  let service: DatabaseService;
  let reports: ReportService;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    database = await startTestDatabase();
    service = await openDatabaseService(database, `worklist_${Date.now()}`);
    reports = new ReportService({} as AppConfig, new ReportRepository(service), new ReportEvents(), new HeatmapRepository(service));
    const rows = {
      anna: report('anna', {}),
      bert: report('bert', { status: 'final', finalAt: new Date('2026-03-15T09:00:00Z'), review: { verdict: { bodyPart: 'leg' } } }),
      carla: report('carla', { status: 'amended', finalAt: new Date('2026-03-16T09:00:00Z'), review: { verdict: { bodyPart: 'hand' } } }),
    };
    for (const [name, document] of Object.entries(rows)) {
      const { insertedId } = await service.db.collection('reports').insertOne(document);
      ids[name] = insertedId.toHexString();
    }
  });

  afterAll(async () => {
    await service?.onApplicationShutdown();
    await database?.stop();
  });

  const list = async (raw: Record<string, string>, callerId = DOCTOR_A.id): Promise<string[]> => {
    const { filter, order, offset, limit } = parseWorklistQuery(raw, callerId);
    const page = await reports.worklist(filter, offset, limit, order);
    return page.items.map((item) => Object.entries(ids).find(([, id]) => id === item.id)?.[0] ?? item.id);
  };

  it('lists the signed reports newest first and finds a patient by part of the name, through the database', async () => {
    expect(await list({ status: 'final,amended', order: 'newest' })).toEqual(['carla', 'bert']);
    expect(await list({ q: 'ber' })).toEqual(['bert']);
    expect(await list({ q: 'acc-carla' })).toEqual(['carla']);
    expect(await list({ bodyPart: 'hand' })).toEqual(['anna', 'carla']);
  });

  it('lets a doctor take a report, shows it as theirs, and lets only that doctor release it', async () => {
    const taken = await reports.assign(ids.anna as string, DOCTOR_A);
    expect(taken.assignedTo).toMatchObject({ id: 'doc-a', displayName: 'Dr. A' });
    expect(await list({ assignedTo: 'me' }, DOCTOR_A.id)).toEqual(['anna']);
    expect(await list({ assignedTo: 'me' }, DOCTOR_B.id)).toEqual([]);
    await expect(reports.release(ids.anna as string, DOCTOR_B)).rejects.toMatchObject({ code: ReportErrorCode.InvalidTransition });
    await expect(reports.release(ids.anna as string, DOCTOR_B)).rejects.toBeInstanceOf(ReportException);
    const released = await reports.release(ids.anna as string, DOCTOR_A);
    expect(released.assignedTo).toBeUndefined();
    expect(released.revision).toBe(taken.revision + 1);
    expect(await list({ assignedTo: 'me' }, DOCTOR_A.id)).toEqual([]);
    // Releasing what nobody holds changes nothing.
    expect((await reports.release(ids.anna as string, DOCTOR_B)).revision).toBe(released.revision);
  });
});
