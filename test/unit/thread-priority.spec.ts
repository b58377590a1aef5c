import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { lowerThreadPriority } from '../../src/common/thread-priority';
import type { AppConfig } from '../../src/config/app-config';
import { LearningFilesRepository } from '../../src/learning/learning-files.repository';

/** The nice value of one thread of this process, from /proc (field 19 of its stat line). */
function niceOf(tid: number): number {
  const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

const onLinux = process.platform === 'linux' ? describe : describe.skip;

onLinux('thread priority (reading yields to receiving)', () => {
  it('lowers only the thread that asks, and never raises it again', async () => {
    // Relative to where this process runs (a CI may run the suite under nice itself).
    const base = niceOf(process.pid);
    const lower = Math.min(19, base + 5);
    const source = path.join(__dirname, '../../src/common/thread-priority.ts');
    const worker = new Worker(
      `require('ts-node/register/transpile-only');
       const { parentPort } = require('node:worker_threads');
       const fs = require('node:fs');
       const { lowerThreadPriority } = require(${JSON.stringify(source)});
       const first = lowerThreadPriority(${lower});
       const second = lowerThreadPriority(${base});
       const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
       parentPort.postMessage({ first, second, tid });
       setTimeout(() => undefined, 2000);`,
      { eval: true },
    );
    const answer = await new Promise<{ first: number; second: number; tid: number }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    try {
      expect(answer).toMatchObject({ first: lower, second: lower });
      expect(niceOf(answer.tid)).toBe(lower);
      expect(niceOf(process.pid)).toBe(base);
    } finally {
      await worker.terminate();
    }
  });

  it('leaves a thread that already runs at that priority or lower where it is', () => {
    const base = niceOf(process.pid);
    expect(lowerThreadPriority(0)).toBe(base);
    expect(niceOf(process.pid)).toBe(base);
  });
});

onLinux('the retraining command (a child process)', () => {
  it('runs at the reading nice value, so an hour of training yields to a modality sending', async () => {
    const base = niceOf(process.pid);
    const config = { dataDir: os.tmpdir(), receivePriority: { readNice: 6 } } as unknown as AppConfig;
    const outcome = await new LearningFilesRepository(config).runShell('nice', 10_000);
    expect(outcome.code).toBe(0);
    expect(Number(outcome.outputTail.trim())).toBe(Math.min(19, base + 6));
  });
});
