import { BadRequestException, Controller, Get, NotFoundException, Param, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/auth.decorators';
import { z } from 'zod';
import { JOB_TYPES, type JobRecord } from './job';
import { JobQueueService } from './job-queue.service';

const listQuery = z.object({
  status: z.enum(['pending', 'running', 'done', 'dead']).optional(),
  type: z.enum(JOB_TYPES).optional(),
  key: z.string().max(256).optional(),
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

/** Operator view of the durable queue: inspect dead letters and replay them. */
@ApiTags('jobs')
@Roles('operator')
@Controller('api/jobs')
export class JobsController {
  constructor(private readonly queue: JobQueueService) {}

  @Get()
  async list(@Query() raw: Record<string, string | undefined>): Promise<{ items: JobRecord[]; total: number }> {
    const parsed = listQuery.safeParse(raw);
    if (!parsed.success) throw new BadRequestException(parsed.error.issues[0]?.message ?? 'invalid query');
    const { offset, limit, ...filter } = parsed.data;
    return this.queue.list(filter, offset, limit);
  }

  @Get(':id')
  async get(@Param('id') id: string): Promise<JobRecord> {
    const job = await this.queue.get(id);
    if (!job) throw new NotFoundException(`job ${id} not found`);
    return job;
  }

  @Post(':id/replay')
  async replay(@Param('id') id: string): Promise<JobRecord> {
    const job = await this.queue.replay(id);
    if (!job) throw new NotFoundException(`job ${id} is not a dead-lettered job`);
    return job;
  }
}
