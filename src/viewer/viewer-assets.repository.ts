import { text } from 'node:stream/consumers';
import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';
import { findStaticFile, type StaticFile } from '../common/static-files';

export type ViewerAsset = StaticFile;

/** The files of the built OHIF viewer (OSTEON_VIEWER_DIR, by default vendor/ohif-viewer). */
@Injectable()
export class ViewerAssetsRepository {
  readonly root: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.root = config.viewer.dir;
  }

  /** A file under the viewer root; `undefined` when missing or outside it. */
  find(relativePath: string): Promise<ViewerAsset | undefined> {
    return findStaticFile(this.root, relativePath);
  }

  /** The same file as `find` would serve, as text. */
  async readText(relativePath: string): Promise<string | undefined> {
    const asset = await this.find(relativePath);
    return asset ? text(asset.open()) : undefined;
  }
}
