import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { Roles } from '../access/access.decorators';
import { parseInput } from '../common/invalid-input.exception';
import { ApiJsonBody, ApiJsonResponse } from '../common/openapi';
import { JOB_TYPES, type JobRecord } from './job';
import { jobPageSchema, jobReplayResultSchema, jobSchema } from './job-api.schema';
import { JobQueueService } from './job-queue.service';

const listQuery = z.object({
  status: z.enum(['pending', 'running', 'done', 'dead']).optional(),
  type: z.enum(JOB_TYPES).optional(),
  key: z.string().max(256).optional(),
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

const replayBody = z.object({ ids: z.array(z.string().min(1).max(64)).min(1).max(200) });

/** Operator view of the durable queue: inspect dead letters and replay them. */
@ApiTags('jobs')
@Roles('operator')
@Controller('api/jobs')
export class JobsController {
  constructor(private readonly queue: JobQueueService) {}

  @Get()
  @ApiJsonResponse('JobPage', jobPageSchema, { description: 'paged jobs, filtered by status, type or key' })
  async list(@Query() raw: Record<string, string | undefined>): Promise<{ items: JobRecord[]; total: number }> {
    const { offset, limit, ...filter } = parseInput(listQuery, raw);
    return this.queue.list(filter, offset, limit);
  }

  /** Replays many dead letters at once; each is answered on its own (one that is not dead does not stop the others). */
  @Post('replay')
  @HttpCode(200)
  @ApiJsonBody('JobReplay', replayBody, { ids: ['6b0fb26754cd0ff564185f3a'] })
  @ApiJsonResponse('JobReplayResult', jobReplayResultSchema, {
    description: 'the dead letters queued again, and those refused with the reason',
  })
  async replayMany(@Body() body: unknown): Promise<{ replayed: JobRecord[]; refused: Array<{ id: string; reason: string }> }> {
    const { ids } = parseInput(replayBody, body);
    return this.queue.replayMany([...new Set(ids)]);
  }

  @Get(':id')
  @ApiJsonResponse('Job', jobSchema, { description: 'one job' })
  async get(@Param('id') id: string): Promise<JobRecord> {
    return this.queue.get(id);
  }

  @Post(':id/replay')
  @ApiJsonResponse('Job', jobSchema, { status: 201, description: 'the dead letter, pending again with a fresh attempt budget' })
  async replay(@Param('id') id: string): Promise<JobRecord> {
    return this.queue.replay(id);
  }
}
