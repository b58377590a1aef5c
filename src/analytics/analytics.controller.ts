import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { Roles } from '../access/access.decorators';
import { parseInput } from '../common/invalid-input.exception';
import { ApiJsonResponse } from '../common/openapi';
import type { DateRange } from '../reports/report-analytics.repository';
import { agreementSchema, openReportsSchema, reportsOverTimeSchema, turnaroundSchema } from './analytics-api.schema';
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
  @ApiJsonResponse('ReportsOverTime', reportsOverTimeSchema, { description: 'reports created per hour or day' })
  async reportsOverTime(@Query() raw: Record<string, string>): Promise<unknown> {
    const { bucket, ...range } = parseRange(raw);
    return { bucket, items: await this.analytics.reportsOverTime(bucket, range) };
  }

  @Get('open-reports')
  @ApiJsonResponse('OpenReports', openReportsSchema, { description: 'open reports per doctor and the oldest one’s age' })
  async openReports(): Promise<unknown> {
    return { items: await this.analytics.openReportsPerDoctor() };
  }

  @Get('turnaround')
  @ApiJsonResponse('Turnaround', turnaroundSchema, { description: 'median received → preliminary → final' })
  async turnaround(@Query() raw: Record<string, string>): Promise<unknown> {
    const { bucket: _bucket, ...range } = parseRange(raw);
    return this.analytics.turnaround(range);
  }

  @Get('agreement')
  @ApiJsonResponse('Agreement', agreementSchema, { description: 'AI–doctor agreement by body part' })
  async agreement(@Query() raw: Record<string, string>): Promise<unknown> {
    const { bucket: _bucket, ...range } = parseRange(raw);
    return { items: await this.analytics.agreement(range) };
  }
}
