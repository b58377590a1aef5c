import { Controller, Get, NotFoundException, Param, Res, StreamableFile } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/auth.decorators';
import { ConsoleAssetsRepository, type ConsoleAsset } from './console-assets.repository';
import { cachePolicyFor, isReservedPath, isSpaRoute } from './console-routes';

// The console only talks to its own origin; images come in as blob: URLs made from fetches.
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** Serves the built web console at `/`: static files, and index.html for its client-side routes. Registered last, so API routes win. */
@ApiExcludeController()
@Public()
@Controller()
export class ConsoleStaticController {
  constructor(private readonly assets: ConsoleAssetsRepository) {}

  @Get()
  index(@Res({ passthrough: true }) response: Response): Promise<StreamableFile> {
    return this.serve('index.html', response);
  }

  @Get('*path')
  async file(@Param('path') segments: string[] | string, @Res({ passthrough: true }) response: Response): Promise<StreamableFile> {
    const requested = Array.isArray(segments) ? segments.join('/') : segments;
    if (isReservedPath(requested)) throw new NotFoundException(`Cannot GET /${requested}`);
    const asset = await this.assets.find(requested);
    if (asset) return this.send(requested, asset, response);
    if (isSpaRoute(requested)) return this.serve('index.html', response);
    throw new NotFoundException(`Cannot GET /${requested}`);
  }

  private async serve(relativePath: string, response: Response): Promise<StreamableFile> {
    const asset = await this.assets.find(relativePath);
    if (!asset) throw new NotFoundException('the console is not built (npm run console:build)');
    return this.send(relativePath, asset, response);
  }

  private send(relativePath: string, asset: ConsoleAsset, response: Response): StreamableFile {
    response.setHeader('Cache-Control', cachePolicyFor(relativePath));
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.setHeader('Referrer-Policy', 'no-referrer');
    if (asset.contentType.startsWith('text/html')) response.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    return new StreamableFile(asset.open(), { type: asset.contentType, length: asset.size });
  }
}
