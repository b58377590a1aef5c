import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { Roles } from '../access/access.decorators';
import { ApiJsonResponse } from '../common/openapi';
import { FhirVerdictService, type NotificationResult } from './fhir-verdict.service';

const notificationResultSchema = z.object({
  processed: z.array(z.object({ id: z.string().optional(), action: z.string(), reason: z.string().optional() })),
});

/**
 * Rest-hook endpoint for FHIR servers that push. Authenticated like every operator call (the
 * server's subscription sends `Authorization: Bearer <operator key or token>`); the body only
 * names what changed: Osteon re-reads the server's current copy before acting on it.
 */
@ApiTags('fhir')
@ApiBearerAuth()
@Controller('api/fhir')
export class FhirNotifyController {
  constructor(private readonly verdicts: FhirVerdictService) {}

  @Post('notify')
  @HttpCode(200)
  @Roles('operator')
  @ApiJsonResponse('FhirNotificationResult', notificationResultSchema, {
    description: 'what was done with each DiagnosticReport the notification named (after re-reading it from the server)',
  })
  async notify(@Body() body: unknown): Promise<{ processed: NotificationResult[] }> {
    return { processed: await this.verdicts.notification(body) };
  }
}
