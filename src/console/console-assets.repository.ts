import { createReadStream, existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import { rootLogger } from '../common/logger';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

export interface ConsoleAsset {
  readonly contentType: string;
  readonly size: number;
  open(): Readable;
}

/**
 * The built console (console/dist, committed). Found next to the checkout whether the engine
 * runs from dist*\/src (compiled) or src (ts-node).
 */
@Injectable()
export class ConsoleAssetsRepository {
  readonly root: string | undefined = [
    path.resolve(__dirname, '..', '..', '..', 'console', 'dist'),
    path.resolve(__dirname, '..', '..', 'console', 'dist'),
  ].find((candidate) => existsSync(path.join(candidate, 'index.html')));

  constructor() {
    if (!this.root) rootLogger.warn({}, 'console assets not found (console/dist); run npm run console:build');
  }

  /** A file under the console root; `undefined` when missing or outside it. */
  async find(relativePath: string): Promise<ConsoleAsset | undefined> {
    if (!this.root) return undefined;
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
}
