import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { Roles } from '../access/access.decorators';
import { parseInput } from '../common/invalid-input.exception';
import type { DateRange } from '../reports/report-analytics.repository';
import { AnalyticsService } from './analytics.service';

const rangeSchema = z.object({
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
  bucket: z.enum(['hour', 'day']).default('day'),
});

function parseRange(raw: unknown): DateRange & { bucket: 'hour' | 'day' } {
  return parseInput(rangeSchema, raw);
}

@ApiTags('analytics')
@ApiBearerAuth()
@Roles('doctor', 'operator')
@Controller('api/analytics')
export class AnalyticsController {
  constructor(private readonly analytics: AnalyticsService) {}

  @Get('reports-over-time')
  async reportsOverTime(@Query() raw: Record<string, string>): Promise<unknown> {
    const { bucket, ...range } = parseRange(raw);
    return { bucket, items: await this.analytics.reportsOverTime(bucket, range) };
  }

  @Get('open-reports')
  async openReports(): Promise<unknown> {
    return { items: await this.analytics.openReportsPerDoctor() };
  }

  @Get('turnaround')
  async turnaround(@Query() raw: Record<string, string>): Promise<unknown> {
    const { bucket: _bucket, ...range } = parseRange(raw);
    return this.analytics.turnaround(range);
  }

  @Get('agreement')
  async agreement(@Query() raw: Record<string, string>): Promise<unknown> {
    const { bucket: _bucket, ...range } = parseRange(raw);
    return { items: await this.analytics.agreement(range) };
  }
}
