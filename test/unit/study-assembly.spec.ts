import { StudyAssemblyService } from '../../src/analysis/study-assembly.service';
import { loadAppConfig } from '../../src/config/app-config';
import { IngestActivity } from '../../src/dicom/ingest-activity';
import { InstanceEvents } from '../../src/dicom/instance-events';
import type { InstanceRecord } from '../../src/dicom/instance-record';
import type { InstanceRepository } from '../../src/dicom/instance.repository';
import type { JobQueueService } from '../../src/jobs/job-queue.service';
import type { OrderContextSource } from '../../src/orders/order-context';
import type { ReportService } from '../../src/reports/report.service';

const IDLE_MS = 2000;
const MAX_DEFER_MS = 5000;

interface Scheduled {
  readonly key: string;
  readonly at: number;
  readonly delayMs: number;
  readonly correlationId: string | undefined;
}

function arrival(studyInstanceUid: string, receivedAt: number): InstanceRecord {
  return { studyInstanceUid, sopInstanceUid: `${studyInstanceUid}.${receivedAt}`, receivedAt: new Date(receivedAt) } as InstanceRecord;
}

describe('study assembly: when a study is scheduled for reading', () => {
  let scheduled: Scheduled[];
  let events: InstanceEvents;
  let activity: IngestActivity;
  let service: StudyAssemblyService;
  let expected: number | undefined;
  /** Database writes the scheduling took. */
  let writes: number;

  beforeEach(() => {
    jest.useFakeTimers({ now: 100_000 });
    scheduled = [];
    expected = undefined;
    const config = loadAppConfig({
      OSTEON_STUDY_IDLE_MS: String(IDLE_MS),
      OSTEON_RECEIVE_PRIORITY_QUIET_MS: '500',
      OSTEON_RECEIVE_PRIORITY_MAX_MS: String(MAX_DEFER_MS),
    });
    events = new InstanceEvents();
    activity = new IngestActivity(config);
    writes = 0;
    const queue = {
      scheduleMany: async (_type: string, jobs: ReadonlyArray<{ key: string; delayMs: number; correlationId?: string }>) => {
        writes += 1;
        for (const job of jobs) scheduled.push({ key: job.key, at: Date.now(), delayMs: job.delayMs, correlationId: job.correlationId });
      },
    } as unknown as JobQueueService;
    const instances = { countSopInstancesInStudy: async () => 3 } as unknown as InstanceRepository;
    const orders = { expectedImageCount: async () => expected } as unknown as OrderContextSource;
    service = new StudyAssemblyService(config, events, queue, instances, {} as ReportService, activity, orders);
    service.onModuleInit();
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  /** An image of `study` arrives now, through the same calls the receiver makes. */
  function receive(study: string, correlationId = `association-${study}`): void {
    activity.touch();
    events.emitStored(arrival(study, Date.now()), correlationId);
  }

  it("writes one schedule per study for a burst, in one write, due its idle time after the study's last image", async () => {
    for (let image = 0; image < 5; image += 1) {
      receive('1.2.1');
      receive('1.2.2');
      await jest.advanceTimersByTimeAsync(100);
    }
    const lastArrival = Date.now() - 100;
    expect(scheduled).toEqual([]);
    await jest.advanceTimersByTimeAsync(600);
    expect(scheduled.map((each) => each.key).sort()).toEqual(['analyse-study:1.2.1', 'analyse-study:1.2.2']);
    expect(writes).toBe(1);
    for (const each of scheduled) expect(each.at + each.delayMs).toBe(lastArrival + IDLE_MS);
    // One write for both studies, each analysis under the id of the association its images came with.
    expect(Object.fromEntries(scheduled.map((each) => [each.key, each.correlationId]))).toEqual({
      'analyse-study:1.2.1': 'association-1.2.1',
      'analyse-study:1.2.2': 'association-1.2.2',
    });
  });

  it("holds the schedules while images keep coming, up to the receive priority's longest deferral", async () => {
    receive('1.2.3');
    const first = Date.now();
    while (scheduled.length === 0 && Date.now() - first < 3 * MAX_DEFER_MS) {
      await jest.advanceTimersByTimeAsync(50);
      receive('1.2.4');
    }
    const held = scheduled.find((each) => each.key === 'analyse-study:1.2.3');
    expect(held?.at).toBeGreaterThanOrEqual(first + MAX_DEFER_MS);
    expect(held?.at).toBeLessThanOrEqual(first + MAX_DEFER_MS + 200);
    // Written late, still due its idle time after its own last image: at once, here.
    expect(held?.delayMs).toBe(0);
  });

  it('schedules at once when the order says the study is complete', async () => {
    expected = 3;
    receive('1.2.5');
    await jest.advanceTimersByTimeAsync(600);
    expect(scheduled).toEqual([{ key: 'analyse-study:1.2.5', at: expect.any(Number), delayMs: 0, correlationId: 'association-1.2.5' }]);
  });

  it('schedules what is still waiting when the engine shuts down', async () => {
    receive('1.2.6');
    await service.beforeApplicationShutdown();
    expect(scheduled.map((each) => each.key)).toEqual(['analyse-study:1.2.6']);
    expect(scheduled[0]?.delayMs).toBe(IDLE_MS);
  });
});
