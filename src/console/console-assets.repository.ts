import { existsSync } from 'node:fs';
import path from 'node:path';
import { Injectable } from '@nestjs/common';
import { rootLogger } from '../common/logger';
import { findStaticFile, type StaticFile } from '../common/static-files';

export type ConsoleAsset = StaticFile;

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
    return this.root ? findStaticFile(this.root, relativePath) : undefined;
  }
}
