/**
 * What the OHIF viewer is told at start (its `app-config.js`) and the Content-Security-Policy it
 * runs under. Pure functions; the service serves them.
 */

import { createHash } from 'node:crypto';

/** Where the console keeps its session (console/src/api.ts): same origin, same tab, never in a URL. */
export const CONSOLE_SESSION_KEY = 'osteon.session';

/**
 * OHIF's window.config: one DICOMweb data source, Osteon's own `/dicomweb`, no study list
 * outside it, no investigational-use dialog, and SR measurements loaded without a prompt. The
 * bearer token is the console's: every request to /dicomweb carries it (XMLHttpRequest and fetch
 * are wrapped before OHIF starts), so it never appears in a URL, a log or the history.
 */
export function viewerAppConfig(): string {
  const config = {
    routerBasename: '/viewer',
    showStudyList: true,
    extensions: [],
    modes: [],
    // No onboarding tour: the viewer opens straight on the study.
    customizationService: { 'ohif.tours': { $set: [] } },
    maxNumberOfWebWorkers: 2,
    showWarningMessageForCrossOrigin: false,
    showCPUFallbackMessage: true,
    showLoadingIndicator: true,
    strictZSpacingForVolumeViewport: true,
    investigationalUseDialog: { option: 'never' },
    // SR measurements (Osteon's AI marks) load without asking, and tracking needs no confirmation.
    measurementTrackingMode: 'simplified',
    disableConfirmationPrompts: true,
    maxNumRequests: { interaction: 20, thumbnail: 4, prefetch: 6 },
    defaultDataSourceName: 'osteon',
    dataSources: [
      {
        namespace: '@ohif/extension-default.dataSourcesModule.dicomweb',
        sourceName: 'osteon',
        configuration: {
          friendlyName: 'Osteon',
          name: 'osteon',
          qidoRoot: '/dicomweb',
          wadoRoot: '/dicomweb',
          wadoUriRoot: '/dicomweb',
          qidoSupportsIncludeField: true,
          imageRendering: 'wadors',
          thumbnailRendering: 'wadors',
          enableStudyLazyLoad: true,
          supportsFuzzyMatching: false,
          supportsWildcard: true,
          staticWado: false,
          singlepart: 'bulkdata,video',
          bulkDataURI: { enabled: true },
          omitQuotationForMultipartRequest: true,
        },
      },
    ],
  };
  return `// Written by Osteon (src/viewer): the OHIF viewer reads Osteon's DICOMweb with the console's session.
window.config = ${JSON.stringify(config, null, 2)};
window.config.httpErrorHandler = function (error) {
  // An expired or revoked session: back to the console, which asks to sign in again.
  if (error && error.status === 401) window.top.location.assign('/');
};
(function () {
  var session;
  try {
    session = JSON.parse(window.sessionStorage.getItem(${JSON.stringify(CONSOLE_SESSION_KEY)}) || 'null');
  } catch (ignored) {
    session = null;
  }
  if (!session || !session.token) {
    window.top.location.assign('/');
    return;
  }
  var authorization = 'Bearer ' + session.token;
  function ours(url) {
    try {
      var parsed = new URL(url, window.location.href);
      return parsed.origin === window.location.origin && parsed.pathname.indexOf('/dicomweb/') === 0;
    } catch (ignored) {
      return false;
    }
  }
  var open = XMLHttpRequest.prototype.open;
  var send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.open = function (method, url) {
    this.__osteonAuthorize = ours(url);
    return open.apply(this, arguments);
  };
  XMLHttpRequest.prototype.send = function () {
    if (this.__osteonAuthorize) this.setRequestHeader('Authorization', authorization);
    return send.apply(this, arguments);
  };
  var originalFetch = window.fetch.bind(window);
  window.fetch = function (input, init) {
    var url = typeof input === 'string' || input instanceof URL ? String(input) : input.url;
    if (!ours(url)) return originalFetch(input, init);
    var headers = new Headers((init && init.headers) || (input instanceof Request ? input.headers : undefined));
    headers.set('Authorization', authorization);
    return originalFetch(input, Object.assign({}, init, { headers: headers }));
  };
})();
`;
}

/** `'sha256-…'` sources for every inline script of the viewer's index.html, so CSP needs no 'unsafe-inline'. */
export function inlineScriptHashes(html: string): string[] {
  const hashes: string[] = [];
  for (const match of html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)) {
    hashes.push(
      `'sha256-${createHash('sha256')
        .update(match[1] ?? '', 'utf8')
        .digest('base64')}'`,
    );
  }
  return hashes;
}

/**
 * The viewer's policy: only its own origin (DICOMweb included); WebAssembly codecs, blob: workers
 * and canvases; framed only by Osteon's own pages (the console's report screen). 'unsafe-eval' stays
 * because the codecs' Emscripten embind glue builds functions with `new Function` (createNamedFunction,
 * in @ohif/app 3.13.2's app bundle and codec bundles); 'wasm-unsafe-eval' alone does not cover it.
 */
export function viewerContentSecurityPolicy(scriptHashes: readonly string[]): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'wasm-unsafe-eval' 'unsafe-eval' ${scriptHashes.join(' ')}`.trim(),
    "worker-src 'self' blob:",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' blob: data:",
    "font-src 'self' data:",
    "connect-src 'self' blob: data:",
    "frame-ancestors 'self'",
    "base-uri 'self'",
    "form-action 'none'",
    "object-src 'none'",
  ].join('; ');
}
