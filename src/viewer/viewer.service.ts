import { Readable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import { ViewerAssetsRepository, type ViewerAsset } from './viewer-assets.repository';
import { inlineScriptHashes, viewerAppConfig, viewerContentSecurityPolicy } from './viewer-config';
import { ViewerErrorCode, ViewerException } from './viewer.exception';

export interface ViewerFile {
  readonly asset: ViewerAsset;
  readonly cacheControl: string;
  /** Set on HTML: the policy the viewer runs under. */
  readonly contentSecurityPolicy?: string;
}

/** OHIF's bundles carry a content hash in their names (`app.bundle.0f61….js`, `5130….wasm`): cached for good. */
const HASHED_NAME = /(^|\/)([0-9a-f]{16}\.(wasm|woff2)|[\w-]+\.bundle\.[0-9a-f]{16}\.js)$/;

/** Which viewer file answers a path under /viewer/: the file, Osteon's app-config.js, or index.html for a client route. */
@Injectable()
export class ViewerService {
  private policy: string | undefined;

  constructor(private readonly assets: ViewerAssetsRepository) {}

  async resolve(requested: string): Promise<ViewerFile> {
    if (requested === 'app-config.js') return this.appConfig();
    if (requested === '' || requested === 'index.html') return this.index();
    const asset = await this.assets.find(requested);
    if (asset) return { asset, cacheControl: HASHED_NAME.test(requested) ? 'public, max-age=31536000, immutable' : 'no-cache' };
    const last = requested.split('/').pop() ?? '';
    if (!last.includes('.')) return this.index();
    await this.requireInstalled();
    throw new ViewerException(ViewerErrorCode.FileNotFound, `Cannot GET /viewer/${requested}`);
  }

  private async index(): Promise<ViewerFile> {
    const html = await this.requireInstalled();
    this.policy ??= viewerContentSecurityPolicy(inlineScriptHashes(html));
    const body = Buffer.from(html, 'utf8');
    return {
      asset: { contentType: 'text/html; charset=utf-8', size: body.length, open: () => Readable.from([body]) },
      cacheControl: 'no-cache',
      contentSecurityPolicy: this.policy,
    };
  }

  private async appConfig(): Promise<ViewerFile> {
    await this.requireInstalled();
    const body = Buffer.from(viewerAppConfig(), 'utf8');
    return {
      asset: { contentType: 'text/javascript; charset=utf-8', size: body.length, open: () => Readable.from([body]) },
      cacheControl: 'no-cache',
    };
  }

  private async requireInstalled(): Promise<string> {
    const html = await this.assets.readText('index.html');
    if (html === undefined) {
      throw new ViewerException(
        ViewerErrorCode.NotInstalled,
        'the viewer is not installed: `npm ci` (or `npm run fetch-viewer`) puts it in vendor/ohif-viewer, or set OSTEON_VIEWER_DIR',
      );
    }
    return html;
  }
}
