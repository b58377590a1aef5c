import { Controller, Get, Param, Req, Res, StreamableFile } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../access/access.decorators';
import { ViewerService, type ViewerFile } from './viewer.service';

/**
 * The OHIF viewer at /viewer/. Its files are public like the console's; what it shows comes from
 * /dicomweb, which needs the signed-in user's token.
 */
@ApiExcludeController()
@Public()
@Controller('viewer')
export class ViewerController {
  constructor(private readonly viewer: ViewerService) {}

  /** Express matches `/viewer` and `/viewer/` alike: only the bare one is sent on (relative links need the slash). */
  @Get()
  async root(@Req() request: Request, @Res({ passthrough: true }) response: Response): Promise<StreamableFile | undefined> {
    if (!request.path.endsWith('/')) {
      response.redirect(302, '/viewer/');
      return undefined;
    }
    return this.send(await this.viewer.resolve(''), response);
  }

  @Get('*path')
  async file(@Param('path') segments: string[] | string, @Res({ passthrough: true }) response: Response): Promise<StreamableFile> {
    const requested = Array.isArray(segments) ? segments.join('/') : segments;
    return this.send(await this.viewer.resolve(requested), response);
  }

  private send({ asset, cacheControl, contentSecurityPolicy }: ViewerFile, response: Response): StreamableFile {
    response.setHeader('Cache-Control', cacheControl);
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.setHeader('Referrer-Policy', 'no-referrer');
    if (contentSecurityPolicy) response.setHeader('Content-Security-Policy', contentSecurityPolicy);
    return new StreamableFile(asset.open(), { type: asset.contentType, length: asset.size });
  }
}
