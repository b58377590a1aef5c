import { Global, Module } from '@nestjs/common';
import { JobHandlerRegistry } from './job-handler.registry';
import { JobQueueService } from './job-queue.service';
import { JobWorkerService } from './job-worker.service';
import { JobRepository } from './job.repository';
import { JobsController } from './jobs.controller';

@Global()
@Module({
  controllers: [JobsController],
  providers: [JobRepository, JobQueueService, JobHandlerRegistry, JobWorkerService],
  exports: [JobQueueService, JobHandlerRegistry],
})
export class JobsModule {}
