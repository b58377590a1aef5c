import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2',
  '.xml': 'application/xml',
  '.txt': 'text/plain; charset=utf-8',
};

export interface ViewerAsset {
  readonly contentType: string;
  readonly size: number;
  open(): Readable;
}

/** The files of the built OHIF viewer (OSTEON_VIEWER_DIR, by default vendor/ohif-viewer). */
@Injectable()
export class ViewerAssetsRepository {
  readonly root: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.root = config.viewer.dir;
  }

  /** A file under the viewer root; `undefined` when missing or outside it. */
  async find(relativePath: string): Promise<ViewerAsset | undefined> {
    const filePath = path.resolve(this.root, '.' + path.posix.normalize('/' + relativePath));
    if (filePath !== this.root && !filePath.startsWith(this.root + path.sep)) return undefined;
    const stat = await fs.stat(filePath).catch(() => undefined);
    if (!stat?.isFile()) return undefined;
    return {
      contentType: CONTENT_TYPES[path.extname(filePath).toLowerCase()] ?? 'application/octet-stream',
      size: stat.size,
      open: () => createReadStream(filePath),
    };
  }

  async readText(relativePath: string): Promise<string | undefined> {
    const asset = await this.find(relativePath);
    if (!asset) return undefined;
    return fs.readFile(path.resolve(this.root, relativePath), 'utf8');
  }
}
