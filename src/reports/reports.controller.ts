import { Body, Controller, Get, HttpCode, Param, Post, Query, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles } from '../access/access.decorators';
import type { AuthenticatedUser } from '../access/authenticated-user';
import { AuditService } from '../audit/audit.service';
import { parseInput } from '../common/invalid-input.exception';
import { ApiFileResponse, ApiJsonBody, ApiJsonResponse } from '../common/openapi';
import type { PersonRef } from './report';
import { ReportService } from './report.service';
import { reportDetailSchema, WORKLIST_EXAMPLE, worklistSchema } from './report-api.schema';
import { reportDetail, worklistItem } from './report.view';
import { amendmentSchema, parseWorklistQuery, withdrawalSchema } from './review-input';

function person(user: AuthenticatedUser): PersonRef {
  return { id: user.id, username: user.username, role: user.role, ...(user.displayName ? { displayName: user.displayName } : {}) };
}

/** The doctor's review API: worklist, report, take and release, confirm, amend, withdraw. Every access is audited. */
@ApiTags('reports')
@ApiBearerAuth()
@Controller('api/reports')
export class ReportsController {
  constructor(
    private readonly reports: ReportService,
    private readonly audit: AuditService,
  ) {}

  @Get()
  @Roles('doctor', 'operator')
  @ApiJsonResponse('Worklist', worklistSchema, {
    description: 'urgent first, then oldest',
    example: { items: [WORKLIST_EXAMPLE], total: 1 },
  })
  async worklist(@Query() raw: Record<string, string>, @CurrentUser() user: AuthenticatedUser): Promise<unknown> {
    const { filter, order, withDeliveries, offset, limit } = parseWorklistQuery(raw, user.id);
    const page = await this.reports.worklist(filter, offset, limit, order);
    await this.audit.record({
      actor: user,
      action: 'report.list',
      resourceType: 'report',
      resourceId: '*',
      details: { count: page.items.length },
    });
    const items = page.items.map((report) =>
      withDeliveries ? { ...worklistItem(report), deliveries: report.deliveries } : worklistItem(report),
    );
    return { items, total: page.total };
  }

  @Get(':id')
  @Roles('doctor', 'operator')
  @ApiJsonResponse('Report', reportDetailSchema, { description: 'the report with image and heat-map URLs, reviews and deliveries' })
  async get(@Param('id') id: string, @CurrentUser() user: AuthenticatedUser): Promise<unknown> {
    const report = await this.reports.get(id);
    await this.audit.record({ actor: user, action: 'report.read', resourceType: 'report', resourceId: report.id });
    return reportDetail(report);
  }

  @Get(':id/heatmaps/:heatmapId')
  @Roles('doctor', 'operator')
  @ApiFileResponse('image/png', 'the heat map over the image')
  async heatmap(
    @Param('id') id: string,
    @Param('heatmapId') heatmapId: string,
    @CurrentUser() user: AuthenticatedUser,
  ): Promise<StreamableFile> {
    const png = await this.reports.heatmap(id, heatmapId);
    await this.audit.record({ actor: user, action: 'report.heatmap.read', resourceType: 'report', resourceId: id });
    return new StreamableFile(png, { type: 'image/png' });
  }

  @Post(':id/assign')
  @HttpCode(200)
  @Roles('doctor')
  @ApiJsonResponse('Report', reportDetailSchema, { description: 'the report, assigned to the caller' })
  async assign(@Param('id') id: string, @CurrentUser() user: AuthenticatedUser): Promise<unknown> {
    const report = await this.reports.assign(id, person(user));
    await this.audit.record({ actor: user, action: 'report.assign', resourceType: 'report', resourceId: report.id });
    return reportDetail(report);
  }

  @Post(':id/release')
  @HttpCode(200)
  @Roles('doctor')
  @ApiJsonResponse('Report', reportDetailSchema, { description: 'the report, back on the worklist for any doctor' })
  async release(@Param('id') id: string, @CurrentUser() user: AuthenticatedUser): Promise<unknown> {
    const report = await this.reports.release(id, person(user));
    await this.audit.record({ actor: user, action: 'report.release', resourceType: 'report', resourceId: report.id });
    return reportDetail(report);
  }

  @Post(':id/confirm')
  @HttpCode(200)
  @Roles('doctor')
  @ApiJsonResponse('Report', reportDetailSchema, { description: 'the report, final' })
  async confirm(@Param('id') id: string, @CurrentUser() user: AuthenticatedUser): Promise<unknown> {
    const report = await this.reports.confirm(id, person(user));
    await this.audit.record({
      actor: user,
      action: 'report.confirm',
      resourceType: 'report',
      resourceId: report.id,
      details: { status: report.status },
    });
    return reportDetail(report);
  }

  @Post(':id/amend')
  @HttpCode(200)
  @Roles('doctor')
  @ApiJsonBody('Amendment', amendmentSchema, {
    fracture: true,
    countClass: '1',
    bodyPart: 'hand',
    conclusion: 'Fracture of the fifth metacarpal.',
  })
  @ApiJsonResponse('Report', reportDetailSchema, { description: 'the report, amended; the AI findings are kept beside' })
  async amend(@Param('id') id: string, @Body() body: unknown, @CurrentUser() user: AuthenticatedUser): Promise<unknown> {
    const amendment = parseInput(amendmentSchema, body);
    const report = await this.reports.amend(
      id,
      person(user),
      { fracture: amendment.fracture, countClass: amendment.countClass, bodyPart: amendment.bodyPart, conclusion: amendment.conclusion },
      amendment.images ?? [],
    );
    await this.audit.record({
      actor: user,
      action: 'report.amend',
      resourceType: 'report',
      resourceId: report.id,
      details: { status: report.status, agreed: report.review?.agreed },
    });
    return reportDetail(report);
  }

  @Post(':id/withdraw')
  @HttpCode(200)
  @Roles('doctor', 'operator')
  @ApiJsonBody('Withdrawal', withdrawalSchema, { reason: 'wrong patient' })
  @ApiJsonResponse('Report', reportDetailSchema, { description: 'the report, entered-in-error' })
  async withdraw(@Param('id') id: string, @Body() body: unknown, @CurrentUser() user: AuthenticatedUser): Promise<unknown> {
    const { reason } = parseInput(withdrawalSchema, body);
    const report = await this.reports.withdraw(id, person(user), reason);
    await this.audit.record({ actor: user, action: 'report.withdraw', resourceType: 'report', resourceId: report.id });
    return reportDetail(report);
  }
}
