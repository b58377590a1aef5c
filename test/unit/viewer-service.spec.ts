import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ViewerAsset, ViewerAssetsRepository } from '../../src/viewer/viewer-assets.repository';
import { inlineScriptHashes, viewerAppConfig, viewerContentSecurityPolicy } from '../../src/viewer/viewer-config';
import { ViewerErrorCode, ViewerException } from '../../src/viewer/viewer.exception';
import { ViewerService } from '../../src/viewer/viewer.service';

const INDEX =
  '<html><head><script>window.PUBLIC_URL="/viewer/";</script><script src="/viewer/app.bundle.0123456789abcdef.js"></script></head></html>';

/** The viewer's files in memory, as the repository would find them on disk. */
function fakeAssets(files: Record<string, string>): ViewerAssetsRepository {
  const asset = (text: string, contentType: string): ViewerAsset => ({ contentType, size: text.length, open: () => Readable.from([text]) });
  return {
    root: '/viewer-root',
    find: async (relative: string) => (relative in files ? asset(files[relative] as string, 'text/javascript; charset=utf-8') : undefined),
    readText: async (relative: string) => files[relative],
  } as unknown as ViewerAssetsRepository;
}

describe('viewer service (which file answers a path under /viewer/)', () => {
  const installed = new ViewerService(fakeAssets({ 'index.html': INDEX, 'app.bundle.0123456789abcdef.js': 'x', 'manifest.json': '{}' }));

  it('answers the index with a policy that allows exactly its inline scripts', async () => {
    const file = await installed.resolve('');
    const inline = 'window.PUBLIC_URL="/viewer/";';
    expect(file.contentSecurityPolicy).toContain(`'sha256-${createHash('sha256').update(inline).digest('base64')}'`);
    expect(file.contentSecurityPolicy).not.toContain("'unsafe-inline' 'self'");
    expect(file.cacheControl).toBe('no-cache');
  });

  it("answers client routes with the index, Osteon's own app-config.js, and caches hashed bundles for good", async () => {
    expect((await installed.resolve('viewer')).contentSecurityPolicy).toBeDefined();
    expect((await installed.resolve('app-config.js')).cacheControl).toBe('no-cache');
    expect((await installed.resolve('app.bundle.0123456789abcdef.js')).cacheControl).toBe('public, max-age=31536000, immutable');
    expect((await installed.resolve('manifest.json')).cacheControl).toBe('no-cache');
  });

  it('answers a missing file with 404, and every path with 503 while the viewer is not installed', async () => {
    await expect(installed.resolve('missing.js')).rejects.toMatchObject({ code: ViewerErrorCode.FileNotFound });
    const missing = new ViewerService(fakeAssets({}));
    const error = await missing.resolve('').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ViewerException);
    expect(error).toMatchObject({ code: ViewerErrorCode.NotInstalled });
    await expect(missing.resolve('app-config.js')).rejects.toMatchObject({ code: ViewerErrorCode.NotInstalled });
  });
});

describe('viewer configuration', () => {
  it("points OHIF's one data source at Osteon's DICOMweb and carries no credential", () => {
    const script = viewerAppConfig();
    const config = JSON.parse(/window\.config = (\{[\s\S]*?\n\});/.exec(script)?.[1] ?? '{}') as {
      routerBasename: string;
      dataSources: { configuration: { qidoRoot: string; wadoRoot: string } }[];
    };
    expect(config.routerBasename).toBe('/viewer');
    expect(config.dataSources).toHaveLength(1);
    expect(config.dataSources[0]?.configuration).toMatchObject({ qidoRoot: '/dicomweb', wadoRoot: '/dicomweb' });
    expect(script).toContain('sessionStorage.getItem("osteon.session")');
    expect(script).not.toMatch(/Bearer [A-Za-z0-9]/);
  });

  it('hashes every inline script and lets the viewer be framed only by Osteon', () => {
    expect(inlineScriptHashes('<script>a</script><script src="b.js"></script><script type="module">c</script>')).toHaveLength(2);
    const policy = viewerContentSecurityPolicy(["'sha256-x'"]);
    expect(policy).toContain("frame-ancestors 'self'");
    expect(policy).toContain("script-src 'self' 'wasm-unsafe-eval' 'unsafe-eval' 'sha256-x'");
    expect(policy).toContain("connect-src 'self'");
  });
});
