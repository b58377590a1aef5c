import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { storescu } from '../support/dcmtk';
import { fixtureImageNames, makeInstance } from '../support/dicom-fixtures';
import { startEngine, type Engine } from '../support/engine';
import { smokeModelsDir } from '../support/fracture-model';
import { api, userToken } from '../support/http';
import { startTestDatabase, type TestDatabase } from '../support/mongo-peer';
import { waitFor } from '../support/processes';
import { syntheticImages, writeLabelledFolder, type SyntheticImage } from '../support/synthetic-radiographs';
import { tempWorkspace } from '../support/workspace';

const run = promisify(execFile);
const REPO = path.join(__dirname, '..', '..');
const PATIENT_NAME = 'SECRETNAME^PATIENTA';
const PATIENT_ID = 'PID-LEARN-7731';

interface ModelVersion {
  version: string;
  status: string;
  gate?: { passed: boolean; reasons: string[]; frozen: { candidate: { auroc: number | null }; active: { auroc: number | null } } };
}

/** A retraining run waits up to this long for its job (retrain()): the test may take as long. */
const RETRAIN_TIMEOUT_MS = 600_000;

describe('learning loop: doctors’ labels → export → retrain → gate → promote, shadow, rollback', () => {
  let database: TestDatabase;
  let engine: Engine;
  let workspace: { dir: string; cleanup: () => Promise<void> };
  let doctor: string;
  let adminWorker: string;
  let baseVersion: string;
  // Ten records of 16 images each, every record all-positive or all-negative, so one study-level
  // verdict labels each image right; enough images for a from-scratch model to learn the toy task.
  const reportIds: string[] = [];
  let records: SyntheticImage[][];
  let uploaded: SyntheticImage[];

  beforeAll(async () => {
    database = await startTestDatabase();
    workspace = await tempWorkspace('learning');
    const frozenDir = path.join(workspace.dir, 'frozen');
    await writeLabelledFolder(frozenDir, await syntheticImages(16, 7));
    const models = await smokeModelsDir();
    baseVersion = (JSON.parse(await fs.readFile(path.join(models, 'current.json'), 'utf8')) as { version: string }).version;
    engine = await startEngine({
      dataDir: path.join(workspace.dir, 'data'),
      mongoUri: database.uri,
      databaseName: `learning_${Date.now()}`,
      env: {
        OSTEON_MODELS_DIR: models,
        OSTEON_EVAL_DIR: frozenDir,
        OSTEON_TRAINER_COMMAND: `/usr/bin/python3 training/train.py {data} --out {run} --epochs 10 --size 64 --seed 1 --val-fraction 0.25 --ema 0 --batch-size 16 --lr 0.003 --no-aug --calibrate platt --cache-dir ${path.join(workspace.dir, 'cache')}`,
        OSTEON_RETRAIN_HOLDOUT_FRACTION: '0.3',
        OSTEON_GATE_AUROC_MARGIN: '0.05',
        OSTEON_GATE_SENSITIVITY_FLOOR: '0',
        OSTEON_RETRAIN_CHECK_MINUTES: '0',
        OSTEON_MODEL_SYNC_SECONDS: '1',
        OSTEON_STUDY_IDLE_MS: '300',
      },
    });
    doctor = await userToken(engine, 'dr-learn', 'doctor');
    adminWorker = await userToken(engine, 'clerk-learn', 'admin-worker');
    const pool = await syntheticImages(160, 11);
    const positives = pool.filter((image) => image.fractured);
    const negatives = pool.filter((image) => !image.fractured);
    records = Array.from({ length: 10 }, (_, index) =>
      (index % 2 === 0 ? positives : negatives).slice(Math.floor(index / 2) * 16, Math.floor(index / 2) * 16 + 16),
    );
    uploaded = records.flat();
  });

  afterAll(async () => {
    await engine?.stop();
    await database?.stop();
    await workspace?.cleanup();
  });

  const reportOf = (studyInstanceUid: string, images = 1) =>
    waitFor(async () => {
      const page = await api(engine, 'GET', `/api/reports?studyInstanceUid=${studyInstanceUid}`, { token: doctor });
      const item = page.body.items[0] as { id: string; modelVersion: string; imageCount: number } | undefined;
      return item && item.imageCount >= images ? item : undefined;
    }, 60_000);

  const label = async (flipped: boolean): Promise<void> => {
    for (const [index, record] of records.entries()) {
      const fracture = flipped ? !record[0]?.fractured : Boolean(record[0]?.fractured);
      // 2+ keeps the verdict from coinciding with the AI draft (an agreement labels the AI's own calls).
      const response = await api(engine, 'POST', `/api/reports/${reportIds[index]}/amend`, {
        token: doctor,
        json: { fracture, countClass: fracture ? '2+' : '0', bodyPart: 'hand' },
      });
      expect(response.status).toBe(200);
    }
  };

  const retrain = async (): Promise<ModelVersion> => {
    const before = new Set(((await api(engine, 'GET', '/api/models')).body.items as ModelVersion[]).map((model) => model.version));
    const requested = await api(engine, 'POST', '/api/models/retrain');
    expect(requested.status).toBe(202);
    const job = await waitFor(
      async () => {
        const current = await api(engine, 'GET', `/api/jobs/${requested.body.jobId}`);
        return ['done', 'dead'].includes(current.body.status) ? current.body : undefined;
      },
      RETRAIN_TIMEOUT_MS,
      1000,
    );
    expect(job).toMatchObject({ status: 'done' });
    const models = (await api(engine, 'GET', '/api/models')).body.items as ModelVersion[];
    const fresh = models.filter((model) => !before.has(model.version));
    expect(fresh).toHaveLength(1);
    return fresh[0] as ModelVersion;
  };

  it('turns each doctor amendment into a training label with provenance', async () => {
    for (const record of records) {
      const form = new FormData();
      form.append('patientId', PATIENT_ID);
      form.append('patientName', PATIENT_NAME);
      form.append('birthDate', '19700101');
      for (const image of record) form.append('images', new Blob([new Uint8Array(image.png)], { type: 'image/png' }), image.name);
      const response = await api(engine, 'POST', '/api/records', { token: adminWorker, form });
      expect(response.status).toBe(201);
      reportIds.push((await reportOf(response.body.studyInstanceUids[0], record.length)).id);
    }
    await label(false);
    const labels = await api(engine, 'GET', '/api/training/labels?limit=500');
    expect(labels.body.total).toBe(uploaded.length);
    expect(labels.body.items[0]).toMatchObject({
      verdict: expect.stringMatching(/agreed|amended/),
      labelledBy: { username: 'dr-learn' },
      modelVersion: baseVersion,
    });
  });

  it('exports a de-identified training folder', async () => {
    const out = path.join(workspace.dir, 'export');
    await run(process.execPath, ['--require', 'ts-node/register/transpile-only', 'tools/export-dataset.ts', '--out', out], {
      cwd: REPO,
      env: {
        ...process.env,
        MONGODB_URI: database.uri,
        OSTEON_MONGODB_DATABASE: engine.options.databaseName,
        OSTEON_DATA_DIR: engine.options.dataDir,
      },
    });
    const csv = await fs.readFile(path.join(out, 'labels.csv'), 'utf8');
    expect(csv.trim().split('\n')).toHaveLength(uploaded.length + 1);
    const files = [
      path.join(out, 'labels.csv'),
      path.join(out, 'manifest.json'),
      ...(await fs.readdir(path.join(out, 'images'))).map((name) => path.join(out, 'images', name)),
    ];
    expect(files).toHaveLength(uploaded.length + 2);
    for (const file of files) {
      const content = (await fs.readFile(file)).toString('latin1');
      for (const secret of [PATIENT_ID, 'SECRETNAME', 'PATIENTA', '19700101', 'SYN011-']) expect(content).not.toContain(secret);
    }
  });

  let accepted: ModelVersion;

  it(
    'accepts a model retrained on correct labels at the evaluation gate',
    async () => {
      accepted = await retrain();
      expect(accepted.gate?.reasons).toEqual([]);
      expect(accepted).toMatchObject({ status: 'candidate', gate: { passed: true } });
      // It learned the toy task: the frozen set (true labels) ranks well, which the flipped-label test relies on.
      expect(accepted.gate?.frozen.candidate.auroc).toBeGreaterThanOrEqual(0.8);
    },
    RETRAIN_TIMEOUT_MS,
  );

  it('keeps shadow results away from the report and counts them beside the active model', async () => {
    expect((await api(engine, 'POST', `/api/models/${accepted.version}/shadow`)).status).toBe(200);
    const [image] = await fixtureImageNames();
    const instance = await makeInstance(image as string, path.join(workspace.dir, 'shadow.dcm'), { patientId: 'SHADOW-1' });
    await storescu([instance.file], engine.dicomPort);
    const report = await reportOf(instance.studyInstanceUid);
    const detail = await api(engine, 'GET', `/api/reports/${report.id}`, { token: doctor });
    expect(detail.body.modelVersion).toBe(baseVersion);
    expect(JSON.stringify(detail.body)).not.toContain(accepted.version);
    expect((await api(engine, 'POST', `/api/reports/${report.id}/confirm`, { token: doctor })).status).toBe(200);
    const agreement = await waitFor(async () => {
      const rows = (await api(engine, 'GET', '/api/models/agreement')).body.items as Array<{
        modelVersion: string;
        role: string;
        reviewed: number;
      }>;
      return rows.some((row) => row.role === 'shadow' && row.modelVersion === accepted.version) ? rows : undefined;
    });
    expect(agreement).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ role: 'drafting', modelVersion: baseVersion }),
        expect.objectContaining({ role: 'shadow', reviewed: 1 }),
      ]),
    );
  });

  it('swaps the model while studies are flowing, losing none and analysing none twice, then rolls back', async () => {
    const names = await fixtureImageNames();
    const studies: string[] = [];
    const sending = (async () => {
      for (let index = 0; index < 6; index += 1) {
        const instance = await makeInstance(names[index % names.length] as string, path.join(workspace.dir, 'flow', `${index}.dcm`), {
          patientId: `FLOW-${index}`,
        });
        studies.push(instance.studyInstanceUid);
        await storescu([instance.file], engine.dicomPort);
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const promoted = await api(engine, 'POST', `/api/models/${accepted.version}/promote`, { json: { reason: 'passed the gate' } });
    expect(promoted.status).toBe(200);
    expect(promoted.body.status).toBe('active');
    await sending;
    const versions: string[] = [];
    for (const study of studies) {
      const page = await waitFor(async () => {
        const response = await api(engine, 'GET', `/api/reports?studyInstanceUid=${study}`, { token: doctor });
        return response.body.total === 1 ? response.body : undefined;
      });
      versions.push(page.items[0].modelVersion);
    }
    expect(versions[versions.length - 1]).toBe(accepted.version);
    expect(new Set(versions).size).toBeLessThanOrEqual(2);
    expect((await api(engine, 'GET', '/api/jobs?status=dead')).body.total).toBe(0);

    const rolledBack = await api(engine, 'POST', `/api/models/${baseVersion}/rollback`, { json: { reason: 'test rollback' } });
    expect(rolledBack.body.status).toBe('active');
    const instance = await makeInstance(names[0] as string, path.join(workspace.dir, 'after-rollback.dcm'), { patientId: 'ROLLBACK-1' });
    await storescu([instance.file], engine.dicomPort);
    expect((await reportOf(instance.studyInstanceUid)).modelVersion).toBe(baseVersion);
    const models = (await api(engine, 'GET', '/api/models')).body.items as ModelVersion[];
    expect(models.find((model) => model.version === accepted.version)?.status).toBe('retired');
  });

  it(
    'rejects a model retrained on deliberately flipped labels',
    async () => {
      // The department runs the model that learned the task (rolled back from above) when every label
      // is turned over: poisoned labels must not replace it. Against the untrained smoke model a
      // candidate that learned nothing could pass the frozen set's margin by chance.
      const restored = await api(engine, 'POST', `/api/models/${accepted.version}/promote`, { json: { reason: 'the learned model' } });
      expect(restored.body.status).toBe('active');
      await label(true);
      const rejected = await retrain();
      expect(rejected.status).toBe('rejected');
      expect(rejected.gate?.passed).toBe(false);
      process.stdout.write(
        `learning loop: frozen-set ROC-AUC of the learned model ${accepted.gate?.frozen.candidate.auroc?.toFixed(3)}, of the flipped candidate ${rejected.gate?.frozen.candidate.auroc?.toFixed(3)}\n`,
      );
      expect(rejected.gate?.reasons.join(' ')).toMatch(/frozen set: ROC-AUC/);
      expect((await api(engine, 'POST', `/api/models/${rejected.version}/promote`, { json: {} })).status).toBe(409);
    },
    RETRAIN_TIMEOUT_MS,
  );
});
