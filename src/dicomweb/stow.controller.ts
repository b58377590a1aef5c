import { Controller, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiConsumes, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CurrentUser, Roles } from '../access/access.decorators';
import type { AuthenticatedUser } from '../access/authenticated-user';
import { AuditService } from '../audit/audit.service';
import type { JsonDataset } from './dicom-json';
import { uidParam, Urls } from './dicomweb-request';
import type { DicomwebUrls } from './dicomweb-urls';
import { StowService } from './stow.service';

/** STOW-RS (PS3.18 10.5): Part 10 files in, through the same ingest as C-STORE. */
@ApiTags('dicomweb')
@ApiBearerAuth()
@Controller('dicomweb')
@Roles('admin-worker', 'operator')
export class StowController {
  constructor(
    private readonly stow: StowService,
    private readonly audit: AuditService,
  ) {}

  @Post('studies')
  @ApiConsumes('multipart/related')
  store(
    @Req() req: Request,
    @Urls() urls: DicomwebUrls,
    @CurrentUser() user: AuthenticatedUser,
    @Res({ passthrough: true }) res: Response,
  ): Promise<JsonDataset> {
    return this.handle(req, undefined, urls, user, res);
  }

  @Post('studies/:study')
  @ApiConsumes('multipart/related')
  storeInStudy(
    @Param('study') study: string,
    @Req() req: Request,
    @Urls() urls: DicomwebUrls,
    @CurrentUser() user: AuthenticatedUser,
    @Res({ passthrough: true }) res: Response,
  ): Promise<JsonDataset> {
    return this.handle(req, uidParam('study', study), urls, user, res);
  }

  private async handle(
    req: Request,
    study: string | undefined,
    urls: DicomwebUrls,
    user: AuthenticatedUser,
    res: Response,
  ): Promise<JsonDataset> {
    const length = req.get('content-length');
    const outcome = await this.stow.store(
      {
        contentType: req.get('content-type'),
        contentLength: length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined,
        body: req,
        studyInstanceUid: study,
        storedBy: user.username,
      },
      urls,
    );
    await this.audit.record({
      actor: user,
      action: 'study.store',
      resourceType: 'study',
      resourceId: outcome.studies.join(',') || (study ?? ''),
      details: { httpStatus: outcome.httpStatus },
    });
    res.status(outcome.httpStatus).type('application/dicom+json');
    return outcome.body;
  }
}
