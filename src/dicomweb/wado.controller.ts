import { Readable } from 'node:stream';
import { Controller, Get, Param, Query, Res, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentUser, Roles } from '../access/access.decorators';
import type { AuthenticatedUser } from '../access/authenticated-user';
import { AuditService } from '../audit/audit.service';
import { InvalidInputException } from '../common/invalid-input.exception';
import type { ObjectScope } from '../dicom/instance.repository';
import type { JsonDataset } from './dicom-json';
import { Accept, frameNumbers, tagParam, uidParam, Urls } from './dicomweb-request';
import type { DicomwebUrls } from './dicomweb-urls';
import { DicomwebErrorCode, DicomwebException } from './dicomweb.exception';
import { acceptsDicomJson, type MediaRange } from './media-types';
import { parseRenderedParams } from './rendered-params';
import { RenderingService } from './rendering.service';
import { WadoService, type WadoAnswer } from './wado.service';

type RawQuery = Record<string, string | string[] | undefined>;
const STUDY = 'studies/:study';
const SERIES = `${STUDY}/series/:series`;
const INSTANCE = `${SERIES}/instances/:instance`;

/** WADO-RS (PS3.18 10.4): instances, metadata, bulk data, frames, rendered images and thumbnails. */
@ApiTags('dicomweb')
@ApiBearerAuth()
@Controller('dicomweb')
@Roles('doctor', 'operator')
export class WadoController {
  constructor(
    private readonly wado: WadoService,
    private readonly rendering: RenderingService,
    private readonly audit: AuditService,
  ) {}

  // One handler per resource, on the study, series and instance routes: the scope comes from the path.
  @Get([STUDY, SERIES, INSTANCE])
  async retrieve(
    @Param() p: Record<string, string>,
    @Accept() accept: MediaRange[],
    @CurrentUser() user: AuthenticatedUser,
  ): Promise<StreamableFile> {
    const scope = scopeOf(p);
    const { answer: result, records } = await this.wado.retrieve(scope, accept);
    await this.auditRead(user, 'study.retrieve', scope, records.length);
    return answer(result);
  }

  @Get([`${STUDY}/metadata`, `${SERIES}/metadata`, `${INSTANCE}/metadata`])
  async metadata(
    @Param() p: Record<string, string>,
    @Accept() accept: MediaRange[],
    @Urls() urls: DicomwebUrls,
    @CurrentUser() user: AuthenticatedUser,
    @Res({ passthrough: true }) res: Response,
  ): Promise<JsonDataset[]> {
    if (!acceptsDicomJson(accept))
      throw new DicomwebException(DicomwebErrorCode.NotAcceptable, 'metadata is served as application/dicom+json');
    const scope = scopeOf(p);
    const { datasets, records } = await this.wado.metadata(scope, urls);
    await this.auditRead(user, 'study.metadata', scope, records.length);
    res.type('application/dicom+json');
    return datasets;
  }

  /** Every read of a study's objects is audited with the study and how many instances it served. */
  private async auditRead(user: AuthenticatedUser, action: string, scope: ObjectScope, instances: number): Promise<void> {
    await this.audit.record({ actor: user, action, resourceType: 'study', resourceId: scope.studyInstanceUid, details: { instances } });
  }

  @Get(`${INSTANCE}/bulkdata/:tag`)
  async bulkData(@Param() p: Record<string, string>): Promise<StreamableFile> {
    return answer(await this.wado.bulkData(instanceScopeOf(p), tagParam(p.tag ?? '')));
  }

  @Get(`${INSTANCE}/frames/:frames`)
  async frames(@Param() p: Record<string, string>, @Accept() accept: MediaRange[]): Promise<StreamableFile> {
    return answer(await this.rendering.frames(instanceScopeOf(p), frameNumbers(p.frames ?? ''), accept));
  }

  @Get(`${INSTANCE}/rendered`)
  async rendered(@Param() p: Record<string, string>, @Query() raw: RawQuery, @Accept() accept: MediaRange[]): Promise<StreamableFile> {
    return answer(await this.rendering.rendered(instanceScopeOf(p), 1, parseRenderedParams(raw), accept));
  }

  @Get(`${INSTANCE}/frames/:frame/rendered`)
  async renderedFrame(@Param() p: Record<string, string>, @Query() raw: RawQuery, @Accept() accept: MediaRange[]): Promise<StreamableFile> {
    return answer(await this.rendering.rendered(instanceScopeOf(p), singleFrame(p.frame), parseRenderedParams(raw), accept));
  }

  @Get([`${STUDY}/thumbnail`, `${SERIES}/thumbnail`, `${INSTANCE}/thumbnail`, `${INSTANCE}/frames/:frame/thumbnail`])
  async thumbnail(@Param() p: Record<string, string>, @Query() raw: RawQuery, @Accept() accept: MediaRange[]): Promise<StreamableFile> {
    const frame = p.frame === undefined ? 1 : singleFrame(p.frame);
    return answer(await this.rendering.thumbnail(scopeOf(p), frame, parseRenderedParams(raw), accept));
  }
}

function scopeOf(p: Record<string, string>): ObjectScope {
  return {
    studyInstanceUid: uidParam('study', p.study ?? ''),
    ...(p.series !== undefined ? { seriesInstanceUid: uidParam('series', p.series) } : {}),
    ...(p.instance !== undefined ? { sopInstanceUid: uidParam('instance', p.instance) } : {}),
  };
}

function instanceScopeOf(p: Record<string, string>): Required<ObjectScope> {
  return scopeOf(p) as Required<ObjectScope>;
}

function singleFrame(value: string | undefined): number {
  const [frame, ...rest] = frameNumbers(value ?? '');
  if (rest.length > 0 || frame === undefined)
    throw new InvalidInputException('frame must be one frame number: a rendering shows one frame');
  return frame;
}

function answer(result: WadoAnswer): StreamableFile {
  const options = { type: result.contentType, length: result.length };
  if (Buffer.isBuffer(result.body)) return new StreamableFile(result.body, options);
  return new StreamableFile(result.body instanceof Readable ? result.body : Readable.from(result.body), options);
}
