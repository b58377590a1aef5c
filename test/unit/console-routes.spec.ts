import { cachePolicyFor, isReservedPath, isSpaRoute } from '../../src/console/console-routes';

describe('console static routes', () => {
  it('never answers the engine’s own paths with the console', () => {
    expect(isReservedPath('api/reports')).toBe(true);
    expect(isReservedPath('/fhir/metadata')).toBe(true);
    expect(isReservedPath('portal/abc')).toBe(true);
    expect(isReservedPath('health')).toBe(true);
    expect(isReservedPath('worklist')).toBe(false);
    expect(isReservedPath('apis')).toBe(false);
  });

  it('serves index.html for client routes but not for missing files', () => {
    expect(isSpaRoute('reports/665f1c0e2a9b4c0012345678')).toBe(true);
    expect(isSpaRoute('worklist')).toBe(true);
    expect(isSpaRoute('assets/missing.js')).toBe(false);
    expect(isSpaRoute('favicon.ico')).toBe(false);
  });

  it('caches content-hashed assets for a year and makes everything else revalidate', () => {
    expect(cachePolicyFor('assets/index-CMjD5q4D.js')).toBe('public, max-age=31536000, immutable');
    expect(cachePolicyFor('index.html')).toBe('no-cache');
  });
});
