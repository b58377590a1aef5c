import fs from 'node:fs/promises';
import path from 'node:path';
import { readFileMeta } from '../../src/imaging/part10';
import { dcmtk, echo } from '../support/dcmtk';
import { fixtureImageNames, makeInstance } from '../support/dicom-fixtures';
import { startEngine, type Engine } from '../support/engine';
import { startTestDatabase, type TestDatabase } from '../support/mongo-peer';
import { rawStore, type RawInstance } from '../support/raw-store-scu';
import { countFiles, countStagedFiles, tempWorkspace } from '../support/workspace';

const DX = '1.2.840.10008.5.1.4.1.1.1.1';
const CR = '1.2.840.10008.5.1.4.1.1.1';
const EXPLICIT_LE = '1.2.840.10008.1.2.1';

async function datasetOf(file: string): Promise<Buffer> {
  const bytes = await fs.readFile(file);
  const meta = await readFileMeta({ size: bytes.length, read: async (position, length) => bytes.subarray(position, position + length) });
  return bytes.subarray(meta.datasetOffset);
}

describe('DICOM C-STORE receiver with bad input (an independent raw SCU)', () => {
  let database: TestDatabase;
  let engine: Engine;
  let workspace: { dir: string; cleanup: () => Promise<void> };
  let good: { file: string; sopInstanceUid: string; studyInstanceUid: string };
  let goodDataset: Buffer;

  beforeAll(async () => {
    database = await startTestDatabase();
    workspace = await tempWorkspace('bad-input');
    engine = await startEngine({ dataDir: path.join(workspace.dir, 'data'), mongoUri: database.uri, databaseName: `bad_${Date.now()}` });
    const [image] = await fixtureImageNames();
    good = await makeInstance(image as string, path.join(workspace.dir, 'good.dcm'), { patientId: 'BAD-INPUT' });
    goodDataset = await datasetOf(good.file);
  });

  afterAll(async () => {
    await engine?.stop();
    await database?.stop();
    await workspace?.cleanup();
  });

  const send = (instances: RawInstance[]) =>
    rawStore({ port: engine.dicomPort, abstractSyntaxUid: DX, transferSyntaxUid: EXPLICIT_LE, instances });

  const withoutTag = async (name: string, tag: string): Promise<RawInstance & { file: string }> => {
    const file = path.join(workspace.dir, `${name}.dcm`);
    const made = await makeInstance((await fixtureImageNames())[1] as string, file, { patientId: 'BAD-INPUT' });
    expect((await dcmtk('dcmodify', ['-nb', '-ea', tag, file])).code).toBe(0);
    return { file, sopClassUid: DX, sopInstanceUid: made.sopInstanceUid, dataset: await datasetOf(file) };
  };

  const expectNothingStored = async (): Promise<void> => {
    expect((await engine.getJson<{ total: number }>('/api/studies?patientId=BAD-INPUT')).body.total).toBe(0);
    expect(await countFiles(path.join(workspace.dir, 'data', 'blobs'))).toBe(0);
    expect(await countStagedFiles(path.join(workspace.dir, 'data', 'staging'))).toBe(0);
  };

  it('answers A900 to a data set without a Study Instance UID and stores nothing', async () => {
    const instance = await withoutTag('no-study', '(0020,000d)');
    expect(await send([instance])).toEqual({ kind: 'statuses', statuses: [0xa900] });
    await expectNothingStored();
  });

  it('answers A900 to a data set without a SOP Instance UID', async () => {
    const instance = await withoutTag('no-sop', '(0008,0018)');
    expect(await send([instance])).toEqual({ kind: 'statuses', statuses: [0xa900] });
    await expectNothingStored();
  });

  it('answers A900 when the data set SOP class does not match the command', async () => {
    const result = await send([{ sopClassUid: CR, sopInstanceUid: good.sopInstanceUid, dataset: goodDataset }]);
    // The context was negotiated for DX; a CR command on it is refused either way.
    expect(result.kind === 'statuses' ? result.statuses : result.kind).not.toEqual([0]);
    const mismatched = await rawStore({
      port: engine.dicomPort,
      abstractSyntaxUid: CR,
      transferSyntaxUid: EXPLICIT_LE,
      instances: [{ sopClassUid: CR, sopInstanceUid: good.sopInstanceUid, dataset: goodDataset }],
    });
    expect(mismatched).toEqual({ kind: 'statuses', statuses: [0xa900] });
    await expectNothingStored();
  });

  it('answers A900 when the data set SOP Instance UID does not match the command', async () => {
    const result = await send([{ sopClassUid: DX, sopInstanceUid: '1.2.3.4.5', dataset: goodDataset }]);
    expect(result).toEqual({ kind: 'statuses', statuses: [0xa900] });
    await expectNothingStored();
  });

  it('answers C000 to a truncated data set and to garbage, keeping the association and the service up', async () => {
    const truncated = goodDataset.subarray(0, Math.floor(goodDataset.length / 2));
    const garbage = Buffer.from(Array.from({ length: 5000 }, (_, index) => (index * 7919) % 251));
    const result = await send([
      { sopClassUid: DX, sopInstanceUid: good.sopInstanceUid, dataset: truncated },
      { sopClassUid: DX, sopInstanceUid: good.sopInstanceUid, dataset: garbage },
    ]);
    expect(result).toEqual({ kind: 'statuses', statuses: [0xc000, 0xc000] });
    await expectNothingStored();
    expect((await echo(engine.dicomPort)).ok).toBe(true);
  });

  it('aborts the association when a data set comes on another presentation context than its command, storing nothing', async () => {
    const result = await rawStore({
      port: engine.dicomPort,
      abstractSyntaxUid: DX,
      transferSyntaxUid: EXPLICIT_LE,
      instances: [{ sopClassUid: DX, sopInstanceUid: good.sopInstanceUid, dataset: goodDataset }],
      dataSetContextId: 3,
    });
    expect(result).toEqual({ kind: 'aborted', statuses: [] });
    await expectNothingStored();
    expect((await echo(engine.dicomPort)).ok).toBe(true);
  });

  it('closes the connection when the peer aborts the association, as the sender waits for it to', async () => {
    const result = await rawStore({
      port: engine.dicomPort,
      abstractSyntaxUid: DX,
      transferSyntaxUid: EXPLICIT_LE,
      instances: [],
      abortWhenAccepted: true,
    });
    expect(result).toEqual({ kind: 'aborted', statuses: [] });
  });

  it('stores a good instance on the same association after a bad one', async () => {
    const truncated = goodDataset.subarray(0, goodDataset.length - 10);
    const result = await send([
      { sopClassUid: DX, sopInstanceUid: good.sopInstanceUid, dataset: truncated },
      { sopClassUid: DX, sopInstanceUid: good.sopInstanceUid, dataset: goodDataset },
    ]);
    expect(result).toEqual({ kind: 'statuses', statuses: [0xc000, 0x0000] });
    const study = await engine.getJson<{ instances: unknown[] }>(`/api/studies/${good.studyInstanceUid}`);
    expect(study.body.instances).toHaveLength(1);
  });
});
