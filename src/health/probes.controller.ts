import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../access/access.decorators';
import { DatabaseService } from '../database/database.service';
import { DicomScpChannel } from '../dicom/dicom-scp.channel';
import { InferenceService } from '../inference/inference.service';

// A database that does not answer within this long counts as down: a probe must answer quickly.
const DATABASE_PROBE_MS = 2000;

export interface ReadinessChecks {
  readonly database: 'up' | 'down';
  readonly databaseKind: string;
  readonly dicom: 'up' | 'down';
  readonly model: 'loaded' | 'not-loaded';
  readonly modelVersion?: string;
}

async function databaseAnswers(database: DatabaseService): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), DATABASE_PROBE_MS)));
  try {
    return await Promise.race([database.isHealthy(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Open probes for an orchestrator: `/livez` (the process answers) and `/readyz` (it can take and read studies). */
@ApiTags('health')
@Controller()
@Public()
export class ProbesController {
  constructor(
    private readonly database: DatabaseService,
    private readonly dicom: DicomScpChannel,
    private readonly inference: InferenceService,
  ) {}

  @Get('livez')
  @ApiOkResponse({ description: '`{status: "alive", uptimeSeconds}` while the process answers' })
  live(): { status: 'alive'; uptimeSeconds: number } {
    return { status: 'alive', uptimeSeconds: Math.round(process.uptime()) };
  }

  @Get('readyz')
  @ApiOkResponse({ description: '`{status: "ready", checks}`: the database answers, DICOM listens, the model is loaded' })
  @ApiServiceUnavailableResponse({ description: '`{status: "not-ready", checks}` naming what is down' })
  async ready(@Res({ passthrough: true }) response: Response): Promise<{ status: 'ready' | 'not-ready'; checks: ReadinessChecks }> {
    const databaseUp = await databaseAnswers(this.database);
    const modelVersion = this.inference.loadedModelVersion;
    const checks: ReadinessChecks = {
      database: databaseUp ? 'up' : 'down',
      databaseKind: this.database.kind,
      dicom: this.dicom.isListening ? 'up' : 'down',
      model: modelVersion === undefined ? 'not-loaded' : 'loaded',
      ...(modelVersion !== undefined ? { modelVersion } : {}),
    };
    const ready = checks.database === 'up' && checks.dicom === 'up' && checks.model === 'loaded';
    response.status(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return { status: ready ? 'ready' : 'not-ready', checks };
  }
}
