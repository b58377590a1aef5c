import path from 'node:path';
import { dcmsend, findscu } from '../support/dcmtk';
import { fixtureImageNames, makeInstance } from '../support/dicom-fixtures';
import { startEngine, type Engine } from '../support/engine';
import { startTestDatabase, type TestDatabase } from '../support/mongo-peer';
import { tempWorkspace } from '../support/workspace';

const SUCCESS = 0x0000;
const IDENTIFIER_DOES_NOT_MATCH_SOP_CLASS = 0xa900;

/** A naturalised PN as text. */
function personName(value: unknown): string {
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'object' && first !== null ? String((first as { Alphabetic?: string }).Alphabetic ?? '') : String(first ?? '');
}

describe('DICOM C-FIND: a PACS or viewer queries what Osteon holds (dcmtk findscu)', () => {
  let database: TestDatabase;
  let engine: Engine;
  let workspace: { dir: string; cleanup: () => Promise<void> };
  let studyA: string;
  let studyB: string;
  let imagesOfA: string[];

  beforeAll(async () => {
    database = await startTestDatabase();
    workspace = await tempWorkspace('query');
    // No analysis during the suite: only the index is queried.
    engine = await startEngine({
      dataDir: path.join(workspace.dir, 'data'),
      mongoUri: database.uri,
      databaseName: `query_${Date.now()}`,
      env: { OSTEON_STUDY_IDLE_MS: '600000' },
    });
    const [first, second, third] = await fixtureImageNames();
    const seriesOfA = `2.25.${Date.now()}1`;
    const a1 = await makeInstance(
      first as string,
      path.join(workspace.dir, 'a1.dcm'),
      { patientId: 'QRY-1', patientName: 'DOE^JANE', sex: 'F' },
      { seriesInstanceUid: seriesOfA, accessionNumber: 'ACC-Q1', studyDate: new Date('2026-11-20T10:00:00Z') },
    );
    const a2 = await makeInstance(
      second as string,
      path.join(workspace.dir, 'a2.dcm'),
      { patientId: 'QRY-1', patientName: 'DOE^JANE', sex: 'F' },
      {
        studyInstanceUid: a1.studyInstanceUid,
        seriesInstanceUid: seriesOfA,
        accessionNumber: 'ACC-Q1',
        studyDate: new Date('2026-11-20T10:00:00Z'),
        instanceNumber: 2,
      },
    );
    const b1 = await makeInstance(
      third as string,
      path.join(workspace.dir, 'b1.dcm'),
      { patientId: 'QRY-2', patientName: 'MÜLLER^HANS', sex: 'M' },
      { accessionNumber: 'ACC-Q2', studyDate: new Date('2026-11-22T10:00:00Z') },
    );
    const sent = await dcmsend([a1.file, a2.file, b1.file], engine.dicomPort);
    expect([...sent.statuses.values()]).toEqual([0, 0, 0]);
    studyA = a1.studyInstanceUid;
    studyB = b1.studyInstanceUid;
    imagesOfA = [a1.sopInstanceUid, a2.sopInstanceUid].sort();
  });

  afterAll(async () => {
    await engine?.stop();
    await database?.stop();
    await workspace?.cleanup();
  });

  it('answers a STUDY query by patient id with the requested keys and the instance count', async () => {
    const result = await findscu(engine.dicomPort, 'study', [
      'QueryRetrieveLevel=STUDY',
      'PatientID=QRY-1',
      'StudyInstanceUID',
      'PatientName',
      'AccessionNumber',
      'StudyDate',
      'ModalitiesInStudy',
      'NumberOfStudyRelatedInstances',
    ]);
    expect(result.status).toBe(SUCCESS);
    expect(result.answers).toHaveLength(1);
    const [answer] = result.answers;
    expect(answer).toMatchObject({
      QueryRetrieveLevel: 'STUDY',
      StudyInstanceUID: studyA,
      AccessionNumber: 'ACC-Q1',
      StudyDate: '20261120',
      ModalitiesInStudy: 'DX',
    });
    expect(Number(answer?.NumberOfStudyRelatedInstances)).toBe(2);
    expect(personName(answer?.PatientName)).toBe('DOE^JANE');
  });

  it('matches a patient name wildcard and a study date range', async () => {
    const byName = await findscu(engine.dicomPort, 'study', ['QueryRetrieveLevel=STUDY', 'PatientName=DOE*', 'StudyInstanceUID']);
    expect(byName.answers.map((answer) => answer.StudyInstanceUID)).toEqual([studyA]);
    const byDate = await findscu(engine.dicomPort, 'study', [
      'QueryRetrieveLevel=STUDY',
      'StudyDate=20261121-20261130',
      'StudyInstanceUID',
      'PatientID',
    ]);
    expect(byDate.answers.map((answer) => [answer.StudyInstanceUID, answer.PatientID])).toEqual([[studyB, 'QRY-2']]);
    const none = await findscu(engine.dicomPort, 'study', ['QueryRetrieveLevel=STUDY', 'PatientID=NOBODY', 'StudyInstanceUID']);
    expect(none.status).toBe(SUCCESS);
    expect(none.answers).toEqual([]);
  });

  it('lists the series and the images of a study', async () => {
    const series = await findscu(engine.dicomPort, 'study', [
      'QueryRetrieveLevel=SERIES',
      `StudyInstanceUID=${studyA}`,
      'SeriesInstanceUID',
      'Modality',
      'NumberOfSeriesRelatedInstances',
    ]);
    expect(series.answers).toHaveLength(1);
    expect(series.answers[0]).toMatchObject({ Modality: 'DX' });
    expect(Number(series.answers[0]?.NumberOfSeriesRelatedInstances)).toBe(2);
    const images = await findscu(engine.dicomPort, 'study', [
      'QueryRetrieveLevel=IMAGE',
      `StudyInstanceUID=${studyA}`,
      'SOPInstanceUID',
      'SOPClassUID',
      'InstanceNumber',
    ]);
    expect(images.answers.map((answer) => answer.SOPInstanceUID).sort()).toEqual(imagesOfA);
    expect(new Set(images.answers.map((answer) => answer.SOPClassUID))).toEqual(new Set(['1.2.840.10008.5.1.4.1.1.1.1']));
  });

  it('answers a PATIENT query (patient root) in UTF-8 with the patient’s study count', async () => {
    const result = await findscu(engine.dicomPort, 'patient', [
      'QueryRetrieveLevel=PATIENT',
      'PatientID=QRY-2',
      'PatientName',
      'PatientSex',
      'NumberOfPatientRelatedStudies',
    ]);
    expect(result.answers).toHaveLength(1);
    const [answer] = result.answers;
    expect(answer?.SpecificCharacterSet).toBe('ISO_IR 192');
    expect(personName(answer?.PatientName)).toBe('MÜLLER^HANS');
    expect(answer).toMatchObject({ PatientSex: 'M' });
    expect(Number(answer?.NumberOfPatientRelatedStudies)).toBe(1);
  });

  it('refuses an identifier without a valid level, and a PATIENT query in the study root, with A900', async () => {
    const noLevel = await findscu(engine.dicomPort, 'study', ['PatientID=QRY-1', 'StudyInstanceUID']);
    expect(noLevel.status).toBe(IDENTIFIER_DOES_NOT_MATCH_SOP_CLASS);
    expect(noLevel.answers).toEqual([]);
    const patientInStudyRoot = await findscu(engine.dicomPort, 'study', ['QueryRetrieveLevel=PATIENT', 'PatientID=QRY-1']);
    expect(patientInStudyRoot.status).toBe(IDENTIFIER_DOES_NOT_MATCH_SOP_CLASS);
  });
});
