import {
  BadRequestException,
  Body,
  ConflictException,
  Controller,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  Query,
  StreamableFile,
} from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ZodError } from 'zod';
import { AuditService } from '../audit/audit.service';
import { CurrentUser, Roles } from '../auth/auth.decorators';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { TrainingLabelService } from '../training-labels/training-label.service';
import { HeatmapRepository } from './heatmap.repository';
import type { PersonRef } from './report';
import { ReportErrorCode, ReportException } from './report.exception';
import { ReportService } from './report.service';
import { reportDetail, worklistItem } from './report.view';
import { amendmentSchema, parseWorklistQuery, withdrawalSchema } from './review-input';

function person(user: AuthenticatedUser): PersonRef {
  return { id: user.id, username: user.username, role: user.role };
}

function httpError(error: unknown): unknown {
  if (error instanceof ZodError)
    return new BadRequestException(error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '));
  if (!(error instanceof ReportException)) return error;
  switch (error.code) {
    case ReportErrorCode.NotFound:
      return new NotFoundException(error.message);
    case ReportErrorCode.InvalidTransition:
    case ReportErrorCode.ConcurrentChange:
      return new ConflictException(error.message);
  }
}

/** The doctor's review API: worklist, report, confirm, amend, withdraw. Every access is audited. */
@ApiTags('reports')
@ApiBearerAuth()
@Controller('api/reports')
export class ReportsController {
  constructor(
    private readonly reports: ReportService,
    private readonly heatmaps: HeatmapRepository,
    private readonly labels: TrainingLabelService,
    private readonly audit: AuditService,
  ) {}

  @Get()
  @Roles('doctor', 'operator')
  async worklist(@Query() raw: Record<string, string>, @CurrentUser() user: AuthenticatedUser): Promise<unknown> {
    try {
      const { filter, offset, limit } = parseWorklistQuery(raw);
      const page = await this.reports.worklist(filter, offset, limit);
      await this.audit.record({
        actor: user,
        action: 'report.list',
        resourceType: 'report',
        resourceId: '*',
        details: { count: page.items.length },
      });
      return { items: page.items.map(worklistItem), total: page.total };
    } catch (error) {
      throw httpError(error);
    }
  }

  @Get(':id')
  @Roles('doctor', 'operator')
  async get(@Param('id') id: string, @CurrentUser() user: AuthenticatedUser): Promise<unknown> {
    try {
      const report = await this.reports.get(id);
      await this.audit.record({ actor: user, action: 'report.read', resourceType: 'report', resourceId: report.id });
      return reportDetail(report);
    } catch (error) {
      throw httpError(error);
    }
  }

  @Get(':id/heatmaps/:heatmapId')
  @Roles('doctor', 'operator')
  async heatmap(
    @Param('id') id: string,
    @Param('heatmapId') heatmapId: string,
    @CurrentUser() user: AuthenticatedUser,
  ): Promise<StreamableFile> {
    try {
      const report = await this.reports.get(id);
      if (!report.images.some((image) => image.heatmapId === heatmapId)) throw new NotFoundException('heat map not part of this report');
      const png = await this.heatmaps.find(heatmapId);
      if (!png) throw new NotFoundException('heat map not found');
      await this.audit.record({ actor: user, action: 'report.heatmap.read', resourceType: 'report', resourceId: report.id });
      return new StreamableFile(png, { type: 'image/png' });
    } catch (error) {
      throw httpError(error);
    }
  }

  @Get(':id/labels')
  @Roles('doctor', 'operator')
  async trainingLabels(@Param('id') id: string, @CurrentUser() user: AuthenticatedUser): Promise<unknown> {
    try {
      const report = await this.reports.get(id);
      await this.audit.record({ actor: user, action: 'report.labels.read', resourceType: 'report', resourceId: report.id });
      return { items: await this.labels.forReport(report.id) };
    } catch (error) {
      throw httpError(error);
    }
  }

  @Post(':id/assign')
  @HttpCode(200)
  @Roles('doctor')
  async assign(@Param('id') id: string, @CurrentUser() user: AuthenticatedUser): Promise<unknown> {
    try {
      const report = await this.reports.assign(id, person(user));
      await this.audit.record({ actor: user, action: 'report.assign', resourceType: 'report', resourceId: report.id });
      return reportDetail(report);
    } catch (error) {
      throw httpError(error);
    }
  }

  @Post(':id/confirm')
  @HttpCode(200)
  @Roles('doctor')
  async confirm(@Param('id') id: string, @CurrentUser() user: AuthenticatedUser): Promise<unknown> {
    try {
      const report = await this.reports.confirm(id, person(user));
      await this.audit.record({
        actor: user,
        action: 'report.confirm',
        resourceType: 'report',
        resourceId: report.id,
        details: { status: report.status },
      });
      return reportDetail(report);
    } catch (error) {
      throw httpError(error);
    }
  }

  @Post(':id/amend')
  @HttpCode(200)
  @Roles('doctor')
  async amend(@Param('id') id: string, @Body() body: unknown, @CurrentUser() user: AuthenticatedUser): Promise<unknown> {
    try {
      const amendment = amendmentSchema.parse(body);
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
    } catch (error) {
      throw httpError(error);
    }
  }

  @Post(':id/withdraw')
  @HttpCode(200)
  @Roles('doctor', 'operator')
  async withdraw(@Param('id') id: string, @Body() body: unknown, @CurrentUser() user: AuthenticatedUser): Promise<unknown> {
    try {
      const { reason } = withdrawalSchema.parse(body);
      const report = await this.reports.withdraw(id, person(user), reason);
      await this.audit.record({ actor: user, action: 'report.withdraw', resourceType: 'report', resourceId: report.id });
      return reportDetail(report);
    } catch (error) {
      throw httpError(error);
    }
  }
}
