import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';

/** The types of the files a built web app (the console, the OHIF viewer) is made of. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2',
  '.xml': 'application/xml',
  '.txt': 'text/plain; charset=utf-8',
};

export interface StaticFile {
  readonly contentType: string;
  readonly size: number;
  open(): Readable;
}

/**
 * A file under `root` named by a URL path, for the repositories that serve built web apps; `undefined` when missing, not a file, or outside the
 * root (`..` and absolute paths cannot leave it: the path is normalised from `/` first).
 */
export async function findStaticFile(root: string, relativePath: string): Promise<StaticFile | undefined> {
  const filePath = path.resolve(root, '.' + path.posix.normalize('/' + relativePath));
  if (filePath !== root && !filePath.startsWith(root + path.sep)) return undefined;
  const stat = await fs.stat(filePath).catch(() => undefined);
  if (!stat?.isFile()) return undefined;
  return {
    contentType: CONTENT_TYPES[path.extname(filePath).toLowerCase()] ?? 'application/octet-stream',
    size: stat.size,
    open: () => createReadStream(filePath),
  };
}
