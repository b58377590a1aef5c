import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { describe, expect, it } from 'vitest';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');

async function files(directory: string): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const entry of await readdir(directory, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    found.set(path.relative(directory, full), await readFile(full, 'utf8'));
  }
  return found;
}

describe('committed console build', () => {
  // The engine serves console/dist as committed: a source change without `npm run console:build` would ship stale screens.
  it('is what the current sources build to', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'osteon-console-dist-'));
    try {
      // As `vite build` runs it: vitest sets NODE_ENV=test, which changes what libraries compile to.
      const nodeEnv = process.env.NODE_ENV;
      process.env.NODE_ENV = 'production';
      try {
        await build({ root, mode: 'production', logLevel: 'silent', build: { outDir: out, emptyOutDir: true } });
      } finally {
        process.env.NODE_ENV = nodeEnv;
      }
      const fresh = await files(out);
      const committed = await files(path.join(root, 'dist'));
      expect([...committed.keys()].sort()).toEqual([...fresh.keys()].sort());
      for (const [name, content] of fresh) expect(committed.get(name), name).toBe(content);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }, 60_000);
});
