import type { Role } from './logic/types';
import { PATIENT_CACHE } from './logic/offline-rules';

/**
 * The service worker is the patient page's (offline reading of what was opened). It is registered
 * for a patient only; any other role's sign-in removes it, so a shared device keeps nothing of a patient.
 */
export async function applyOfflinePolicy(role: Role): Promise<void> {
  if (!('serviceWorker' in navigator)) return;
  if (role === 'patient') {
    const { Workbox } = await import('workbox-window');
    await new Workbox('/sw.js', { scope: '/' }).register();
    return;
  }
  const registrations = await navigator.serviceWorker.getRegistrations();
  await Promise.all(registrations.map((registration) => registration.unregister()));
  await forgetPatientData();
}

/** Sign-out (and a new sign-in) deletes the patient's stored answers: the phone may be shared. */
export async function forgetPatientData(): Promise<void> {
  if (typeof caches === 'undefined') return;
  await caches.delete(PATIENT_CACHE);
}

/** Runs `reload` once the service worker first takes control of the page, so what it shows is kept for offline. */
export function onFirstControl(reload: () => void): () => void {
  if (!('serviceWorker' in navigator) || navigator.serviceWorker.controller) return () => undefined;
  const listener = (): void => reload();
  navigator.serviceWorker.addEventListener('controllerchange', listener, { once: true });
  return () => navigator.serviceWorker.removeEventListener('controllerchange', listener);
}
