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

  @Get('series')
  allSeries(
    @Query() raw: RawQuery,
    @Accept() accept: MediaRange[],
    @Urls() urls: DicomwebUrls,
    @Res({ passthrough: true }) res: Response,
  ): Promise<JsonDataset[]> {
    return this.search('SERIES', raw, accept, urls, res, {});
  }

  @Get('instances')
  allInstances(
    @Query() raw: RawQuery,
    @Accept() accept: MediaRange[],
    @Urls() urls: DicomwebUrls,
    @Res({ passthrough: true }) res: Response,
  ): Promise<JsonDataset[]> {
    return this.search('IMAGE', raw, accept, urls, res, {});
  }

  @Get('studies/:study/series')
  seriesOfStudy(
    @Param('study') study: string,
    @Query() raw: RawQuery,
    @Accept() accept: MediaRange[],
    @Urls() urls: DicomwebUrls,
    @Res({ passthrough: true }) res: Response,
  ): Promise<JsonDataset[]> {
    return this.search('SERIES', raw, accept, urls, res, { study: uidParam('study', study) });
  }

  @Get('studies/:study/instances')
  instancesOfStudy(
    @Param('study') study: string,
    @Query() raw: RawQuery,
    @Accept() accept: MediaRange[],
    @Urls() urls: DicomwebUrls,
    @Res({ passthrough: true }) res: Response,
  ): Promise<JsonDataset[]> {
    return this.search('IMAGE', raw, accept, urls, res, { study: uidParam('study', study) });
  }

  @Get('studies/:study/series/:series/instances')
  instancesOfSeries(
    @Param('study') study: string,
    @Param('series') series: string,
    @Query() raw: RawQuery,
    @Accept() accept: MediaRange[],
    @Urls() urls: DicomwebUrls,
    @Res({ passthrough: true }) res: Response,
  ): Promise<JsonDataset[]> {
    return this.search('IMAGE', raw, accept, urls, res, { study: uidParam('study', study), series: uidParam('series', series) });
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
