import { Controller, Get, Param, Res, StreamableFile } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../access/access.decorators';
import { ConsoleAssetsService, type ConsoleFile } from './console-assets.service';

// The console only talks to its own origin; images come in as blob: URLs made from fetches.
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** Serves the built web console at `/`: static files, and index.html for its client-side routes. Registered last, so API routes win. */
@ApiExcludeController()
@Public()
@Controller()
export class ConsoleStaticController {
  constructor(private readonly assets: ConsoleAssetsService) {}

  @Get()
  async index(@Res({ passthrough: true }) response: Response): Promise<StreamableFile> {
    return this.send(await this.assets.index(), response);
  }

  @Get('*path')
  async file(@Param('path') segments: string[] | string, @Res({ passthrough: true }) response: Response): Promise<StreamableFile> {
    const requested = Array.isArray(segments) ? segments.join('/') : segments;
    return this.send(await this.assets.resolve(requested), response);
  }

  private send({ asset, cacheControl }: ConsoleFile, response: Response): StreamableFile {
    response.setHeader('Cache-Control', cacheControl);
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.setHeader('Referrer-Policy', 'no-referrer');
    if (asset.contentType.startsWith('text/html')) response.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    return new StreamableFile(asset.open(), { type: asset.contentType, length: asset.size });
  }
}
