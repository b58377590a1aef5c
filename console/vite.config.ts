import { VitePWA } from 'vite-plugin-pwa';
import { defineConfig } from 'vitest/config';

// Plain esbuild JSX for Preact: no plugin, no Babel. Output is committed (dist/) and served by the engine.
export default defineConfig({
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, target: 'es2022', assetsInlineLimit: 0 },
  plugins: [
    // The patient page's service worker (src/sw.ts), with the built files to precache injected.
    // public/manifest.webmanifest stays the manifest; src/offline.ts registers the worker for patients only.
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'src',
      filename: 'sw.ts',
      injectRegister: false,
      manifest: false,
      injectManifest: {
        globPatterns: ['**/*.{js,css,html,svg,png,json,webmanifest}'],
        minify: true,
        sourcemap: false,
      },
    }),
  ],
  test: { include: ['test/**/*.test.ts'], environment: 'node' },
});
