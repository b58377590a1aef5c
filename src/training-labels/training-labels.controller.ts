import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiJsonResponse } from '../common/openapi';
import { reportLabelsSchema } from './training-label-api.schema';
import { CurrentUser, Roles } from '../access/access.decorators';
import type { AuthenticatedUser } from '../access/authenticated-user';
import { AuditService } from '../audit/audit.service';
import { ReportService } from '../reports/report.service';
import type { TrainingLabel } from './training-label';
import { TrainingLabelService } from './training-label.service';

/** The training labels a report's reviews produced, beside the report in the review API. */
@ApiTags('reports')
@ApiBearerAuth()
@Controller('api/reports')
export class TrainingLabelsController {
  constructor(
    private readonly reports: ReportService,
    private readonly labels: TrainingLabelService,
    private readonly audit: AuditService,
  ) {}

  @Get(':id/labels')
  @Roles('doctor', 'operator')
  @ApiJsonResponse('ReportLabels', reportLabelsSchema, {
    description: 'the training labels the review of this report wrote (one per image)',
  })
  async forReport(@Param('id') id: string, @CurrentUser() user: AuthenticatedUser): Promise<{ items: TrainingLabel[] }> {
    const report = await this.reports.get(id);
    await this.audit.record({ actor: user, action: 'report.labels.read', resourceType: 'report', resourceId: report.id });
    return { items: await this.labels.forReport(report.id) };
  }
}
