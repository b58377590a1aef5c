/// <reference lib="webworker" />
import { clientsClaim } from 'workbox-core';
import { cleanupOutdatedCaches, matchPrecache, precacheAndRoute } from 'workbox-precaching';
import { registerRoute } from 'workbox-routing';
import { NetworkFirst } from 'workbox-strategies';
import { isConsoleNavigation, isKeepable, isPatientRead, PATIENT_CACHE } from './logic/offline-rules';

declare const self: ServiceWorkerGlobalScope;

self.skipWaiting();
clientsClaim();

// Navigations go to the network first, so no role ever gets a stale console; offline, the shell
// precached at install answers. Registered before the precache route, which answers from cache.
registerRoute(
  ({ request, url }) => request.mode === 'navigate' && url.origin === self.location.origin && isConsoleNavigation(url.pathname),
  async ({ request }) => {
    try {
      return await fetch(request);
    } catch (error) {
      const shell = await matchPrecache('/index.html');
      if (shell) return shell;
      throw error;
    }
  },
);

// The app shell: hashed assets, index.html, icons, locales, manifest (the list vite-plugin-pwa injects).
precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();

// The patient's own reads: fresh when online, the last copy when offline. Sign-out deletes this cache.
registerRoute(
  ({ request, url }) => url.origin === self.location.origin && isPatientRead(request.method, url.pathname),
  new NetworkFirst({
    cacheName: PATIENT_CACHE,
    plugins: [{ cacheWillUpdate: async ({ response }) => (isKeepable(response.status) ? response : null) }],
  }),
);
