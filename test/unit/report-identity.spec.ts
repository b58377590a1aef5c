import { ObjectId } from 'mongodb';
import type { DatabaseService } from '../../src/database/database.service';
import { migrations } from '../../src/database/migrations';
import { derivedUid, fillerOrderNumber, messageControlId, parseReportKey, reportKey } from '../../src/reports/report-identity';
import { openDatabaseService, startTestDatabase, type TestDatabase } from '../support/mongo-peer';

const STUDY = '1.2.826.0.1.3680043.8.498.12345678901234567890';

describe('what receivers know a report by', () => {
  it('derives every identity from the study and the report sequence alone', () => {
    const first = { studyInstanceUid: STUDY, sequence: 1 };
    expect(reportKey(first)).toBe(`${STUDY}-r1`);
    expect(reportKey({ studyInstanceUid: STUDY })).toBe(`${STUDY}-r1`);
    expect(parseReportKey(reportKey(first))).toEqual({ studyInstanceUid: STUDY, sequence: 1 });
    expect(parseReportKey('6650a1b2c3d4e5f601234567')).toBeUndefined();
    expect(fillerOrderNumber(first)).toMatch(/^OS[A-Z2-7]{16}$/);
    expect(fillerOrderNumber(first)).toBe(fillerOrderNumber({ studyInstanceUid: STUDY }));
    expect(fillerOrderNumber({ studyInstanceUid: STUDY, sequence: 2 })).not.toBe(fillerOrderNumber(first));
    expect(fillerOrderNumber({ studyInstanceUid: `${STUDY}1` })).not.toBe(fillerOrderNumber(first));
  });

  it('gives one MSH-10 per content version, at most 20 characters, the same on every re-send', () => {
    const report = { studyInstanceUid: STUDY };
    expect(messageControlId(report, 1)).toBe(messageControlId(report, 1));
    expect(messageControlId(report, 2)).not.toBe(messageControlId(report, 1));
    expect(messageControlId(report, 1).length).toBeLessThanOrEqual(20);
  });

  it('makes valid DICOM UIDs, one per role', () => {
    const uid = derivedUid({ studyInstanceUid: STUDY }, 'structured-report', 3);
    expect(uid).toMatch(/^2\.25\.(0|[1-9]\d*)$/);
    expect(uid.length).toBeLessThanOrEqual(64);
    expect(derivedUid({ studyInstanceUid: STUDY }, 'structured-report', 4)).not.toBe(uid);
  });
});

describe('migration 6 on reports stored before filler order numbers were derived', () => {
  let database: TestDatabase;
  let service: DatabaseService;

  beforeAll(async () => {
    database = await startTestDatabase();
    service = await openDatabaseService(database, `identity_${Date.now()}`);
  });

  afterAll(async () => {
    await service?.onApplicationShutdown();
    await database?.stop();
  });

  it('keeps the database id an older report was sent to the RIS with as its filler order number', async () => {
    const reports = service.db.collection('reports');
    const legacy = new ObjectId();
    await reports.insertOne({ _id: legacy, studyInstanceUid: `${STUDY}.9`, status: 'final' });
    await migrations.find((migration) => migration.version === 6)?.up(service.db);
    expect(await reports.findOne({ _id: legacy })).toMatchObject({ fillerOrderNumber: legacy.toHexString(), sequence: 1 });
    expect(await reports.findOne({ fillerOrderNumber: legacy.toHexString() })).toMatchObject({ _id: legacy });
  });
});
