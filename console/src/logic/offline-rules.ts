/**
 * What the patient page's service worker may keep for offline reading: the patient's own API reads
 * only (their report list and PDFs). No other role's API answer is ever stored.
 */
export const PATIENT_CACHE = 'osteon-patient-v1';

/** The engine's own routes: a navigation there is never answered with the console shell. */
const ENGINE_PREFIXES = ['/api/', '/fhir/', '/portal/', '/health', '/metrics', '/livez', '/readyz', '/dicomweb/', '/viewer/'];

export function isPatientRead(method: string, pathname: string): boolean {
  return method === 'GET' && pathname.startsWith('/api/patient/');
}

/** A navigation the console answers (index.html): every client-side route, none of the engine's. */
export function isConsoleNavigation(pathname: string): boolean {
  return !ENGINE_PREFIXES.some((prefix) => pathname === prefix.replace(/\/$/, '') || pathname.startsWith(prefix));
}

/** Only a full, successful answer is kept: never an error, a redirect or a partial response. */
export function isKeepable(status: number): boolean {
  return status === 200;
}
