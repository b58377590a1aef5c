import fs from 'node:fs/promises';
import path from 'node:path';
import { startOrthanc, type OrthancPeer } from '../peers/orthanc-peer';
import { dcmsend, dcmtk } from '../support/dcmtk';
import { datasetSha256, fixtureImageNames, makeInstance } from '../support/dicom-fixtures';
import { startEngine, TEST_OPERATOR_API_KEY, type Engine } from '../support/engine';
import { api } from '../support/http';
import { modelsDirForTests } from '../support/models-dir';
import { startTestDatabase, type TestDatabase } from '../support/mongo-peer';
import { waitFor } from '../support/processes';
import { tempWorkspace } from '../support/workspace';

type DicomJson = Record<string, { vr: string; Value?: unknown[] }>;

const DICOMWEB_PLUGIN = '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';
const value = (dataset: DicomJson | undefined, tag: string): unknown => dataset?.[tag]?.Value?.[0];

/**
 * Orthanc's DICOMweb plugin (Debian orthanc-dicomweb), an implementation nobody here wrote, uses
 * Osteon as a remote DICOMweb server: it searches (QIDO-RS), pulls studies into itself (WADO-RS)
 * and pushes one to Osteon (STOW-RS). Bytes are compared end to end.
 */
describe("DICOMweb: Orthanc's DICOMweb client searches, pulls from and pushes to Osteon", () => {
  let database: TestDatabase;
  let engine: Engine;
  let orthanc: OrthancPeer;
  let workspace: { dir: string; cleanup: () => Promise<void> };
  let images: string[];
  const sent: { file: string; sopInstanceUid: string; studyInstanceUid: string }[] = [];

  beforeAll(async () => {
    database = await startTestDatabase();
    workspace = await tempWorkspace('dicomweb');
    images = await fixtureImageNames();
    const models = await modelsDirForTests();
    engine = await startEngine({
      dataDir: path.join(workspace.dir, 'data'),
      mongoUri: database.uri,
      databaseName: `dicomweb_${Date.now()}`,
      env: {
        OSTEON_MODELS_DIR: models.dir,
        OSTEON_STUDY_IDLE_MS: '400',
        // Every image counts as suspected: each one gets a measurement in the SR.
        OSTEON_FRACTURE_THRESHOLD: '0.000001',
        OSTEON_JOB_BACKOFF_MS: '200',
        OSTEON_LOG_LEVEL: process.env.OSTEON_TEST_LOG_LEVEL ?? 'info',
      },
    });
    orthanc = await startOrthanc({
      dir: path.join(workspace.dir, 'orthanc'),
      extraConfig: {
        Plugins: [DICOMWEB_PLUGIN],
        DicomWeb: {
          Enable: true,
          Root: '/dicom-web/',
          Servers: {
            osteon: {
              Url: `http://127.0.0.1:${engine.httpPort}/dicomweb/`,
              HttpHeaders: { Authorization: `Bearer ${TEST_OPERATOR_API_KEY}` },
            },
          },
        },
      },
    });
    process.stdout.write(`dicomweb suite: Orthanc ${orthanc.version} with its DICOMweb plugin, ${database.kind}\n`);
    for (const [index, name] of images.slice(0, 2).entries()) {
      sent.push(
        await makeInstance(
          name,
          path.join(workspace.dir, 'study1', `${index}.dcm`),
          { patientId: 'DW-1', patientName: 'Wagner^Anna', birthDate: '19800202', sex: 'F' },
          {
            studyInstanceUid: sent[0]?.studyInstanceUid,
            accessionNumber: 'ACC-DW-1',
            bodyPartExamined: 'HAND',
            instanceNumber: index + 1,
            studyDate: new Date('2026-03-04T10:00:00Z'),
          },
        ),
      );
    }
    expect([
      ...(
        await dcmsend(
          sent.map((made) => made.file),
          engine.dicomPort,
        )
      ).statuses.values(),
    ]).toEqual([0, 0]);
  });

  afterAll(async () => {
    if (process.env.OSTEON_TEST_ENGINE_LOG && engine) await fs.writeFile(process.env.OSTEON_TEST_ENGINE_LOG, engine.process.output());
    await orthanc?.stop();
    await engine?.stop();
    await database?.stop();
    await workspace?.cleanup();
  });

  const studyUid = (): string => sent[0]?.studyInstanceUid as string;
  // The plugin takes the query apart from the path.
  const qido = (uri: string): Promise<DicomJson[]> => {
    const [resource, query = ''] = uri.split('?');
    const Arguments = Object.fromEntries(new URLSearchParams(query));
    return orthanc.post<DicomJson[]>('/dicom-web/servers/osteon/get', { Uri: resource, Arguments });
  };
  /** One instance as Osteon's WADO-RS answers it: the one part of the multipart body. */
  const wadoInstance = async (studyInstanceUid: string, sopInstanceUid: string): Promise<Buffer> => {
    const series = await seriesOf(sopInstanceUid);
    const response = await fetch(
      `http://127.0.0.1:${engine.httpPort}/dicomweb/studies/${studyInstanceUid}/series/${series}/instances/${sopInstanceUid}`,
      { headers: { authorization: `Bearer ${TEST_OPERATOR_API_KEY}`, accept: 'multipart/related; type="application/dicom"' } },
    );
    expect(response.status).toBe(200);
    const boundary = /boundary="?([^";]+)"?/.exec(response.headers.get('content-type') ?? '')?.[1] as string;
    const body = Buffer.from(await response.arrayBuffer());
    const start = body.indexOf('\r\n\r\n') + 4;
    return body.subarray(start, body.indexOf(`\r\n--${boundary}--`, start));
  };
  const datasetHashOf = async (bytes: Buffer, name: string): Promise<string> => {
    const file = path.join(workspace.dir, name);
    await fs.writeFile(file, bytes);
    return datasetSha256(file);
  };

  const orthancInstances = async (studyInstanceUid: string): Promise<{ id: string; tags: Record<string, string> }[]> => {
    const found = await orthanc.post<{ ID: string }[]>('/tools/lookup', studyInstanceUid);
    if (!found[0]) return [];
    const instances = await orthanc.getJson<{ ID: string }[]>(`/studies/${found[0].ID}/instances`);
    return Promise.all(
      instances.map(async (instance) => ({
        id: instance.ID,
        tags: await orthanc.getJson<Record<string, string>>(`/instances/${instance.ID}/tags?simplify`),
      })),
    );
  };

  it('finds the study through QIDO-RS by patient name wildcard, date range and modality, with the standard attributes', async () => {
    const studies = await qido(`/studies?PatientName=wag*&StudyDate=20260301-20260331&ModalitiesInStudy=DX&includefield=PatientBirthDate`);
    expect(studies).toHaveLength(1);
    const study = studies[0];
    expect(value(study, '0020000D')).toBe(studyUid());
    expect(value(study, '00100020')).toBe('DW-1');
    expect(value(study, '00080050')).toBe('ACC-DW-1');
    expect(value(study, '00100030')).toBe('19800202');
    expect(value(study, '00201208')).toBe(2);
    expect(await qido('/studies?PatientName=nobody*')).toEqual([]);
    expect(await qido('/studies?StudyDate=20250101-20251231&PatientID=DW-1')).toEqual([]);
    const instances = await qido(`/studies/${studyUid()}/instances`);
    expect(instances.map((instance) => value(instance, '00080018')).sort()).toEqual(sent.map((made) => made.sopInstanceUid).sort());
  });

  it('pulls the study into Orthanc through WADO-RS, every instance byte for byte as it was sent', async () => {
    await orthanc.post('/dicom-web/servers/osteon/retrieve', { Resources: [{ Study: studyUid() }], Synchronous: true });
    const received = await orthancInstances(studyUid());
    const originals = received.filter((instance) => instance.tags.Modality === 'DX');
    expect(originals).toHaveLength(2);
    for (const made of sent) {
      const copy = originals.find((instance) => instance.tags.SOPInstanceUID === made.sopInstanceUid);
      expect(copy).toBeDefined();
      const bytes = await orthanc.getBytes(`/instances/${copy?.id}/file`);
      // The file Osteon stored, unchanged (its own meta header: C-STORE carries the data set only)...
      expect(bytes.equals(await wadoInstance(studyUid(), made.sopInstanceUid))).toBe(true);
      // ...around the very data set the modality sent.
      expect(await datasetHashOf(bytes, `pulled-${made.sopInstanceUid}.dcm`)).toBe(await datasetSha256(made.file));
    }
  });

  it("serves Osteon's own results: the TID 1500 SR and the annotated series, which Orthanc takes and dcmtk reads", async () => {
    // The archive channel stores the results once the study is analysed.
    const series = await waitFor(async () => {
      const found = await qido(`/studies/${studyUid()}/series`);
      const modalities = found.map((candidate) => value(candidate, '00080060'));
      return modalities.includes('SR') && modalities.includes('OT') ? found : undefined;
    }, 90_000);
    expect(series.map((candidate) => value(candidate, '00080060')).sort()).toEqual(['DX', 'DX', 'OT', 'SR']);
    const sr = series.find((candidate) => value(candidate, '00080060') === 'SR');
    const srSeries = value(sr, '0020000E') as string;
    await orthanc.post('/dicom-web/servers/osteon/retrieve', {
      Resources: [{ Study: studyUid(), Series: srSeries }],
      Synchronous: true,
    });
    const report = (await orthancInstances(studyUid())).find((instance) => instance.tags.Modality === 'SR');
    expect(report?.tags.SOPClassUID).toBe('1.2.840.10008.5.1.4.1.1.88.33');
    const file = path.join(workspace.dir, 'sr.dcm');
    await fs.writeFile(file, await orthanc.getBytes(`/instances/${report?.id}/file`));
    const tree = await dcmtk('dsrdump', ['+Pu', file]);
    expect(tree.code).toBe(0);
    expect(tree.output).toMatch(/^<CONTAINER:\(,,"Imaging Measurement Report"\)=SEPARATE>/m);
    expect(tree.output).toContain('TEXT:(,,"Device Observer Name")="AI, not verified"');
    expect(tree.output.match(/SCOORD:\(,,"Image Region"\)=\(POINT,/g)).toHaveLength(2);
    for (const made of sent) expect(tree.output).toContain(made.sopInstanceUid);
    // dsrdump's own check of the SR's structure: no errors or warnings about the content tree.
    expect(tree.output).not.toMatch(/^[EW]: (?!The VR checker)/m);
  });

  it('pushes a study from Orthanc to Osteon through STOW-RS: stored, indexed, analysed, and identical when read back', async () => {
    const made = await makeInstance(images[2] as string, path.join(workspace.dir, 'study2', 'a.dcm'), { patientId: 'DW-2' }, {});
    const upload = await fetch(`http://127.0.0.1:${orthanc.httpPort}/instances`, { method: 'POST', body: await fs.readFile(made.file) });
    const uploaded = (await upload.json()) as { ID: string };
    expect(uploaded.ID).toBeTruthy();
    const stowed = await orthanc.post<Record<string, unknown>>('/dicom-web/servers/osteon/stow', {
      Resources: [uploaded.ID],
      Synchronous: true,
    });
    expect(JSON.stringify(stowed)).not.toMatch(/fail/i);
    const found = await qido(`/instances?SOPInstanceUID=${made.sopInstanceUid}`);
    expect(value(found[0], '0020000D')).toBe(made.studyInstanceUid);
    const stored = await orthanc.getBytes(`/instances/${uploaded.ID}/file`);
    // Osteon writes its own file meta header and keeps the data set byte for byte.
    const back = await wadoInstance(made.studyInstanceUid, made.sopInstanceUid);
    expect(await datasetHashOf(back, 'stowed.dcm')).toBe(await datasetHashOf(stored, 'orthanc.dcm'));
    expect(await datasetHashOf(back, 'stowed.dcm')).toBe(await datasetSha256(made.file));
    // Through the same ingest as C-STORE: the study gets a report.
    await waitFor(async () => {
      const page = await api<{ items: unknown[] }>(engine, 'GET', `/api/reports?studyInstanceUid=${made.studyInstanceUid}`);
      return page.body.items.length > 0 ? true : undefined;
    }, 60_000);
  });

  const seriesOf = async (sopInstanceUid: string): Promise<string> =>
    value((await qido(`/instances?SOPInstanceUID=${sopInstanceUid}`))[0], '0020000E') as string;
});
