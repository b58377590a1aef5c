import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from '../access/access.decorators';
import type { JsonDataset } from './dicom-json';
import { Accept, uidParam, Urls } from './dicomweb-request';
import type { DicomwebUrls } from './dicomweb-urls';
import { DicomwebErrorCode, DicomwebException } from './dicomweb.exception';
import { acceptsDicomJson, type MediaRange } from './media-types';
import { parseQidoQuery, type QidoLevel } from './qido-query';
import { QidoService } from './qido.service';

type RawQuery = Record<string, string | string[] | undefined>;

/** QIDO-RS (PS3.18 10.6): search studies, series and instances; DICOM JSON answers. */
@ApiTags('dicomweb')
@ApiBearerAuth()
@Controller('dicomweb')
@Roles('doctor', 'operator')
export class QidoController {
  constructor(private readonly qido: QidoService) {}

  // One handler per level, on the routes that search it (all, in a study, in a series).
  @Get('studies')
  @ApiOkResponse({ description: 'application/dicom+json: matching studies' })
  studies(
    @Query() raw: RawQuery,
    @Accept() accept: MediaRange[],
    @Urls() urls: DicomwebUrls,
    @Res({ passthrough: true }) res: Response,
  ): Promise<JsonDataset[]> {
    return this.search('STUDY', raw, accept, urls, res, {});
  }

  @Get(['series', 'studies/:study/series'])
  series(
    @Param() p: Record<string, string>,
    @Query() raw: RawQuery,
    @Accept() accept: MediaRange[],
    @Urls() urls: DicomwebUrls,
    @Res({ passthrough: true }) res: Response,
  ): Promise<JsonDataset[]> {
    return this.search('SERIES', raw, accept, urls, res, scopeOf(p));
  }

  @Get(['instances', 'studies/:study/instances', 'studies/:study/series/:series/instances'])
  instances(
    @Param() p: Record<string, string>,
    @Query() raw: RawQuery,
    @Accept() accept: MediaRange[],
    @Urls() urls: DicomwebUrls,
    @Res({ passthrough: true }) res: Response,
  ): Promise<JsonDataset[]> {
    return this.search('IMAGE', raw, accept, urls, res, scopeOf(p));
  }

  private async search(
    level: QidoLevel,
    raw: RawQuery,
    accept: MediaRange[],
    urls: DicomwebUrls,
    res: Response,
    scope: { study?: string; series?: string },
  ): Promise<JsonDataset[]> {
    if (!acceptsDicomJson(accept))
      throw new DicomwebException(DicomwebErrorCode.NotAcceptable, 'searches are answered in application/dicom+json');
    const query = parseQidoQuery(level, raw, { studyInstanceUid: scope.study, seriesInstanceUid: scope.series });
    const result = await this.qido.search(query, urls, scope);
    res.type('application/dicom+json');
    if (result.warnings.length > 0) res.setHeader('Warning', result.warnings.map((text) => `299 osteon: "${text}"`).join(', '));
    return result.matches;
  }
}

/** The study and series a search is limited to, from the route it came in on. */
function scopeOf(p: Record<string, string>): { study?: string; series?: string } {
  return {
    ...(p.study !== undefined ? { study: uidParam('study', p.study) } : {}),
    ...(p.series !== undefined ? { series: uidParam('series', p.series) } : {}),
  };
}
