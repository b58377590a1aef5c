import type { AppConfig } from '../../src/config/app-config';
import type { InstanceRepository } from '../../src/dicom/instance.repository';
import type { ImageService } from '../../src/imaging/image.service';
import type { JobHandler, JobHandlerRegistry } from '../../src/jobs/job-handler.registry';
import { JobTargetGoneError } from '../../src/jobs/job.exception';
import type { JobQueueService } from '../../src/jobs/job-queue.service';
import type { ModelRegistryService } from '../../src/learning/model-registry.service';
import type { ModelVersion } from '../../src/learning/model-version';
import { ShadowAnalysisHandler, shadowAnalysisKey } from '../../src/learning/shadow-analysis.handler';
import { ShadowAnalysisService } from '../../src/learning/shadow-analysis.service';
import type { ShadowResult, ShadowResultRepository } from '../../src/learning/shadow-result.repository';
import { ReportEvents } from '../../src/reports/report-events';
import { ReportErrorCode, ReportException } from '../../src/reports/report.exception';
import type { ReportService } from '../../src/reports/report.service';
import { draftReport } from '../support/report-fixture';

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('shadow analysis (a durable job, results in their own collection)', () => {
  it('schedules a job for each new or re-analysed report, only while a model is in shadow mode', async () => {
    const handlers = new Map<string, JobHandler>();
    const scheduled: string[] = [];
    const events = new ReportEvents();
    const models = { shadow: undefined as ModelVersion | undefined };
    const handler = new ShadowAnalysisHandler(
      { register: (type: string, run: JobHandler) => handlers.set(type, run) } as unknown as JobHandlerRegistry,
      { schedule: async (_type: string, key: string) => void scheduled.push(key) } as unknown as JobQueueService,
      events,
      { shadow: async () => models.shadow } as unknown as ModelRegistryService,
      {} as ShadowAnalysisService,
    );
    handler.onModuleInit();
    expect([...handlers.keys()]).toEqual(['shadow-analysis']);
    events.emitChanged(draftReport({ id: 'a'.repeat(24) }), 'created');
    await settle();
    models.shadow = { version: 'candidate-2' } as ModelVersion;
    events.emitChanged(draftReport({ id: 'b'.repeat(24) }), 'created');
    events.emitChanged(draftReport({ id: 'c'.repeat(24) }), 'reviewed');
    events.emitChanged(draftReport({ id: 'd'.repeat(24) }), 'reanalysed');
    await settle();
    expect(scheduled).toEqual([shadowAnalysisKey('b'.repeat(24)), shadowAnalysisKey('d'.repeat(24))]);
  });

  it('ends the job quietly for a report that is gone, and writes nothing while no model is in shadow mode', async () => {
    const saved: ShadowResult[] = [];
    let report = draftReport();
    const service = new ShadowAnalysisService(
      {} as AppConfig,
      {
        get: async (id: string) => {
          if (id !== report.id) throw new ReportException(ReportErrorCode.NotFound, `report ${id} not found`);
          return report;
        },
      } as unknown as ReportService,
      { shadow: async () => undefined } as unknown as ModelRegistryService,
      {} as InstanceRepository,
      {} as ImageService,
      { save: async (result: ShadowResult) => void saved.push(result) } as unknown as ShadowResultRepository,
    );
    await expect(service.analyse('f'.repeat(24))).rejects.toBeInstanceOf(JobTargetGoneError);
    report = draftReport({ id: 'e'.repeat(24) });
    await expect(service.analyse(report.id)).resolves.toBeUndefined();
    expect(saved).toEqual([]);
  });
});
