import { Controller, Get, HttpCode, HttpStatus, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../access/access.decorators';
import { DatabaseService } from '../database/database.service';
import { DicomScpChannel } from '../dicom/dicom-scp.channel';

/** Open (no credential): ready only when the DICOM listener and the database are up. */
@ApiTags('health')
@Controller('health')
@Public()
export class HealthController {
  constructor(
    private readonly database: DatabaseService,
    private readonly dicom: DicomScpChannel,
  ) {}

  @Get()
  @HttpCode(HttpStatus.OK)
  async health(@Res({ passthrough: true }) response: Response): Promise<unknown> {
    const databaseUp = await this.database.isHealthy();
    const dicomUp = this.dicom.isListening;
    const ready = databaseUp && dicomUp;
    if (!ready) response.status(HttpStatus.SERVICE_UNAVAILABLE);
    return {
      status: ready ? 'ready' : 'not-ready',
      checks: { database: databaseUp ? 'up' : 'down', databaseKind: this.database.kind, dicom: dicomUp ? 'up' : 'down' },
    };
  }
}
