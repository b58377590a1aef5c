import { Injectable } from '@nestjs/common';
import { ConsoleAssetsRepository, type ConsoleAsset } from './console-assets.repository';
import { cachePolicyFor, isReservedPath, isSpaRoute } from './console-routes';
import { ConsoleErrorCode, ConsoleException } from './console.exception';

export interface ConsoleFile {
  readonly asset: ConsoleAsset;
  readonly cacheControl: string;
}

/** Which console file answers a path: the file itself, index.html for a client-side route, else a 404. */
@Injectable()
export class ConsoleAssetsService {
  constructor(private readonly assets: ConsoleAssetsRepository) {}

  async resolve(requested: string): Promise<ConsoleFile> {
    if (isReservedPath(requested)) throw notFound(requested);
    const asset = await this.assets.find(requested);
    if (asset) return { asset, cacheControl: cachePolicyFor(requested) };
    if (isSpaRoute(requested)) return this.index();
    throw notFound(requested);
  }

  async index(): Promise<ConsoleFile> {
    const asset = await this.assets.find('index.html');
    if (!asset) throw new ConsoleException(ConsoleErrorCode.NotBuilt, 'the console is not built (npm run console:build)');
    return { asset, cacheControl: cachePolicyFor('index.html') };
  }
}

/** Worded like Nest's own answer for an unknown route. */
function notFound(requested: string): ConsoleException {
  return new ConsoleException(ConsoleErrorCode.FileNotFound, `Cannot GET /${requested}`);
}
