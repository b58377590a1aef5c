/**
 * Latency from the last instance of a study received to its preliminary report, over N
 * studies of 2 images sent one after another with dcmtk's storescu (a modality's pace).
 *   npm run bench:latency -- [--studies 100] [--idle-ms 1000]
 * Timestamps are the engine's own (instance receivedAt, report preliminaryAt), so client
 * polling does not blur them. Target: p95 ≤ 3 s including the study-assembly idle wait.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { storescu } from '../test/support/dcmtk';
import { fixtureImageNames, makeInstance } from '../test/support/dicom-fixtures';
import { startEngine } from '../test/support/engine';
import { api } from '../test/support/http';
import { modelsDirForTests } from '../test/support/models-dir';
import { waitFor } from '../test/support/processes';
import { tempWorkspace } from '../test/support/workspace';

function percentile(sorted: readonly number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] as number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { studies: { type: 'string', default: '100' }, 'idle-ms': { type: 'string', default: '1000' } },
  });
  const studies = Number(values.studies);
  const idleMs = Number(values['idle-ms']);
  const workspace = await tempWorkspace('bench-latency');
  const models = await modelsDirForTests();
  const engine = await startEngine({
    dataDir: path.join(workspace.dir, 'data'),
    env: { OSTEON_MODELS_DIR: models.dir, OSTEON_STUDY_IDLE_MS: String(idleMs) },
  });
  try {
    const images = await fixtureImageNames();
    const latencies: number[] = [];
    for (let index = 0; index < studies; index += 1) {
      const dir = path.join(workspace.dir, `s${index}`);
      const first = await makeInstance(images[index % images.length] as string, path.join(dir, 'a.dcm'), { patientId: `BENCH-${index}` });
      const second = await makeInstance(
        images[(index + 1) % images.length] as string,
        path.join(dir, 'b.dcm'),
        { patientId: `BENCH-${index}` },
        { studyInstanceUid: first.studyInstanceUid, instanceNumber: 2 },
      );
      const sent = await storescu([first.file, second.file], engine.dicomPort, 'BENCH');
      if (sent.code !== 0) throw new Error(`storescu failed: ${sent.output}`);
      const report = await waitFor(
        async () => {
          const page = await api<{ items: Array<{ id: string; imageCount: number }> }>(
            engine,
            'GET',
            `/api/reports?studyInstanceUid=${first.studyInstanceUid}`,
          );
          const item = page.body.items[0];
          return item && item.imageCount === 2 ? item : undefined;
        },
        60_000,
        20,
      );
      const detail = await api<{ lastReceivedAt: string; preliminaryAt: string }>(engine, 'GET', `/api/reports/${report.id}`);
      latencies.push(new Date(detail.body.preliminaryAt).getTime() - new Date(detail.body.lastReceivedAt).getTime());
      await fs.rm(dir, { recursive: true, force: true });
    }
    const sorted = [...latencies].sort((a, b) => a - b);
    const p50 = percentile(sorted, 50);
    const p95 = percentile(sorted, 95);
    process.stdout.write(
      `\nlast instance received → preliminary report, ${studies} studies × 2 images, ${models.shipped ? 'shipped' : 'smoke'} model\n`,
    );
    process.stdout.write(`study idle wait OSTEON_STUDY_IDLE_MS=${idleMs}\n`);
    process.stdout.write(`p50 ${p50} ms   p95 ${p95} ms   max ${sorted[sorted.length - 1]} ms\n`);
    process.stdout.write(`p95 without the idle wait: ${p95 - idleMs} ms; p95 / 3000 ms target = ${(p95 / 3000).toFixed(2)}\n`);
  } finally {
    await engine.stop();
    await workspace.cleanup();
  }
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
