/** Prefixes the engine's own routes own: never answered with the console. */
const RESERVED_PREFIXES = ['api', 'fhir', 'portal', 'health', 'metrics', 'livez', 'readyz', 'dicomweb', 'viewer'];

export function isReservedPath(relativePath: string): boolean {
  const first = relativePath.replace(/^\/+/, '').split('/')[0] ?? '';
  return RESERVED_PREFIXES.includes(first);
}

/** A client-side route (no file extension in its last segment) gets index.html. */
export function isSpaRoute(relativePath: string): boolean {
  const last = relativePath.split('/').pop() ?? '';
  return !last.includes('.');
}

/** Vite puts content-hashed files under assets/: cache them for a year; everything else revalidates. */
export function cachePolicyFor(relativePath: string): string {
  return relativePath.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
}
