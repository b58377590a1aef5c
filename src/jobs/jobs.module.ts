import { Global, Module } from '@nestjs/common';
import { MetricsModule } from '../metrics/metrics.module';
import { JobClaimGate } from './job-claim.gate';
import { JobHandlerRegistry } from './job-handler.registry';
import { JobMetrics } from './job-metrics';
import { JobQueueService } from './job-queue.service';
import { JobWorkerService } from './job-worker.service';
import { JobRepository } from './job.repository';
import { JobsController } from './jobs.controller';

@Global()
@Module({
  imports: [MetricsModule],
  controllers: [JobsController],
  providers: [JobRepository, JobQueueService, JobHandlerRegistry, JobClaimGate, JobMetrics, JobWorkerService],
  exports: [JobQueueService, JobHandlerRegistry, JobClaimGate],
})
export class JobsModule {}
