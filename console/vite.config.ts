import { defineConfig } from 'vitest/config';

// Plain esbuild JSX for Preact: no plugin, no Babel. Output is committed (dist/) and served by the engine.
export default defineConfig({
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, target: 'es2022', assetsInlineLimit: 0 },
  test: { include: ['test/**/*.test.ts'], environment: 'node' },
});
