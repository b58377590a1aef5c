import { Global, Module } from '@nestjs/common';
import { JobClaimGate } from './job-claim.gate';
import { JobHandlerRegistry } from './job-handler.registry';
import { JobQueueService } from './job-queue.service';
import { JobWorkerService } from './job-worker.service';
import { JobRepository } from './job.repository';
import { JobsController } from './jobs.controller';

@Global()
@Module({
  controllers: [JobsController],
  providers: [JobRepository, JobQueueService, JobHandlerRegistry, JobClaimGate, JobWorkerService],
  exports: [JobQueueService, JobHandlerRegistry, JobClaimGate],
})
export class JobsModule {}
