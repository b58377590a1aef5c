import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { dcmsend } from '../support/dcmtk';
import { fixtureImageNames, makeInstance } from '../support/dicom-fixtures';
import { startEngine, type Engine } from '../support/engine';
import { api } from '../support/http';
import { modelsDirForTests } from '../support/models-dir';
import { waitFor } from '../support/processes';
import { tempWorkspace } from '../support/workspace';

const QUIET_MS = 3000;

/** Nice value of each thread of a process, from /proc (field 19 of a thread's stat line). */
function threadNices(pid: number): Map<number, number> {
  const nices = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    nices.set(Number(tid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
  }
  return nices;
}
const MAX_DEFER_MS = 8000;

describe('receiving comes before reading (dcmtk sends while studies wait to be read)', () => {
  let workspace: { dir: string; cleanup: () => Promise<void> };
  let engine: Engine;
  let image: string;
  let sent = 0;

  beforeAll(async () => {
    workspace = await tempWorkspace('receive-priority');
    [image] = (await fixtureImageNames()) as [string];
    const models = await modelsDirForTests();
    engine = await startEngine({
      dataDir: path.join(workspace.dir, 'data'),
      env: {
        OSTEON_MODELS_DIR: models.dir,
        OSTEON_STUDY_IDLE_MS: '200',
        OSTEON_RECEIVE_PRIORITY_QUIET_MS: String(QUIET_MS),
        OSTEON_RECEIVE_PRIORITY_MAX_MS: String(MAX_DEFER_MS),
      },
    });
  });

  afterAll(async () => {
    await engine?.stop();
    await workspace?.cleanup();
  });

  /** One image of a new study, over its own association; returns its study. */
  const sendOne = async (): Promise<string> => {
    sent += 1;
    const made = await makeInstance(image, path.join(workspace.dir, 'send', `${sent}.dcm`), { patientId: `PRIO-${sent}` });
    expect([...(await dcmsend([made.file], engine.dicomPort)).statuses.values()]).toEqual([0]);
    return made.studyInstanceUid;
  };

  /** Sends one image after another for `ms`; returns when the last one was acknowledged. */
  const stream = async (ms: number): Promise<number> => {
    const until = Date.now() + ms;
    while (Date.now() < until) await sendOne();
    return Date.now();
  };

  const reportCreatedAt = async (studyInstanceUid: string): Promise<number> => {
    const item = await waitFor(
      async () => (await api(engine, 'GET', `/api/reports?studyInstanceUid=${studyInstanceUid}`)).body.items[0],
      90_000,
    );
    return Date.parse(item.createdAt);
  };

  it('reads a study only once images have stopped arriving', async () => {
    const first = await sendOne();
    const lastAcknowledged = await stream(4000);
    expect(await reportCreatedAt(first)).toBeGreaterThan(lastAcknowledged);
  }, 120_000);

  it('reads at a lower CPU priority than it receives: the model and pixel threads niced, the main thread not', async () => {
    const pid = engine.process.child.pid as number;
    const nices = threadNices(pid);
    expect(nices.get(pid)).toBe(0);
    // Default OSTEON_READ_NICE 10: the model's worker and the onnxruntime pool it made, the pixel worker.
    expect([...nices.values()].filter((nice) => nice === 10).length).toBeGreaterThanOrEqual(3);
  });

  it('reads it anyway once a burst has lasted the longest deferral', async () => {
    await new Promise((resolve) => setTimeout(resolve, QUIET_MS + 500));
    const first = await sendOne();
    const lastAcknowledged = await stream(MAX_DEFER_MS + 8000);
    expect(await reportCreatedAt(first)).toBeLessThan(lastAcknowledged);
  }, 120_000);
});
