import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { CurrentUser, Roles } from '../access/access.decorators';
import type { AuthenticatedUser } from '../access/authenticated-user';
import { AuditService } from '../audit/audit.service';
import { parseInput } from '../common/invalid-input.exception';
import { ApiJsonBody, ApiJsonResponse } from '../common/openapi';
import { labelPageSchema } from '../training-labels/training-label-api.schema';
import { TrainingLabelService } from '../training-labels/training-label.service';
import { ModelAgreementService, type ModelAgreement } from './model-agreement.service';
import { ModelRegistryService } from './model-registry.service';
import type { ModelVersion } from './model-version';
import { modelAgreementSchema, modelListSchema, modelVersionSchema, retrainingSchema } from './models-api.schema';
import { RetrainModelHandler } from './retrain-model.handler';

const reasonSchema = z.object({ reason: z.string().trim().min(1).max(500).default('operator decision') });
const labelsQuery = z.object({
  since: z.coerce.date().optional(),
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** The operator's view of the learning loop: labels, model versions, retraining, promotion. */
@ApiTags('learning')
@ApiBearerAuth()
@Roles('operator')
@Controller('api')
export class ModelsController {
  constructor(
    private readonly registry: ModelRegistryService,
    private readonly retrain: RetrainModelHandler,
    private readonly agreements: ModelAgreementService,
    private readonly labels: TrainingLabelService,
    private readonly audit: AuditService,
  ) {}

  @Get('training/labels')
  @ApiJsonResponse('LabelPage', labelPageSchema, { description: 'paged training labels, oldest first from `since`' })
  async listLabels(@Query() raw: Record<string, string>): Promise<unknown> {
    const { since, offset, limit } = parseInput(labelsQuery, raw);
    return this.labels.list(since, offset, limit);
  }

  @Get('models')
  @ApiJsonResponse('Models', modelListSchema, { description: 'every model version: candidate, shadow, active, retired, rejected' })
  async list(): Promise<{ items: ModelVersion[] }> {
    return { items: await this.registry.list() };
  }

  /** Agreement with the doctors: the active (drafting) model versions beside the shadow ones. */
  @Get('models/agreement')
  @ApiJsonResponse('ModelAgreement', modelAgreementSchema, { description: 'doctors’ agreement with the drafting and shadow models' })
  async agreement(): Promise<{ items: ModelAgreement[] }> {
    return { items: await this.agreements.agreement() };
  }

  @Post('models/retrain')
  @HttpCode(202)
  @ApiJsonResponse('Retraining', retrainingSchema, { status: 202, description: 'the retraining job' })
  async requestRetraining(@CurrentUser() user: AuthenticatedUser): Promise<{ jobId: string }> {
    const jobId = await this.retrain.requestNow();
    await this.audit.record({ actor: user, action: 'model.retrain', resourceType: 'job', resourceId: jobId });
    return { jobId };
  }

  @Post('models/:version/promote')
  @HttpCode(200)
  @ApiJsonBody('ModelDecision', reasonSchema, { reason: 'passed the gate, shadow agreement 0.93' })
  @ApiJsonResponse('Model', modelVersionSchema, { description: 'the model, active (hot swap)' })
  async promote(@Param('version') version: string, @Body() body: unknown, @CurrentUser() user: AuthenticatedUser): Promise<ModelVersion> {
    return this.decide(user, version, 'model.promote', (reason) => this.registry.promote(version, user.username, reason), body);
  }

  @Post('models/:version/rollback')
  @HttpCode(200)
  @ApiJsonBody('ModelDecision', reasonSchema, { reason: 'passed the gate, shadow agreement 0.93' })
  @ApiJsonResponse('Model', modelVersionSchema, { description: 'the earlier model, active again' })
  async rollback(@Param('version') version: string, @Body() body: unknown, @CurrentUser() user: AuthenticatedUser): Promise<ModelVersion> {
    return this.decide(
      user,
      version,
      'model.rollback',
      (reason) => this.registry.promote(version, user.username, `rollback: ${reason}`),
      body,
    );
  }

  @Post('models/:version/shadow')
  @HttpCode(200)
  @ApiJsonResponse('Model', modelVersionSchema, { description: 'the model, reading live studies in shadow' })
  async startShadow(@Param('version') version: string, @CurrentUser() user: AuthenticatedUser): Promise<ModelVersion> {
    return this.decide(user, version, 'model.shadow.start', () => this.registry.startShadow(version, user.username), {});
  }

  @Post('models/:version/shadow/stop')
  @HttpCode(200)
  @ApiJsonResponse('Model', modelVersionSchema, { description: 'the model, out of shadow' })
  async stopShadow(@Param('version') version: string, @CurrentUser() user: AuthenticatedUser): Promise<ModelVersion> {
    return this.decide(user, version, 'model.shadow.stop', () => this.registry.stopShadow(version, user.username), {});
  }

  private async decide(
    user: AuthenticatedUser,
    version: string,
    action: string,
    run: (reason: string) => Promise<ModelVersion>,
    body: unknown,
  ): Promise<ModelVersion> {
    const { reason } = parseInput(reasonSchema, body ?? {});
    const model = await run(reason);
    await this.audit.record({ actor: user, action, resourceType: 'model', resourceId: version });
    return model;
  }
}
