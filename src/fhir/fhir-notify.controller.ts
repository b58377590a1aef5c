import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Roles } from '../access/access.decorators';
import { FhirVerdictService, type NotificationResult } from './fhir-verdict.service';

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
  async notify(@Body() body: unknown): Promise<{ processed: NotificationResult[] }> {
    return { processed: await this.verdicts.notification(body) };
  }
}
