import fs from 'node:fs/promises';
import path from 'node:path';
import { ENGINE_ENVIRONMENT, ENGINE_NODE_FLAGS } from '../../src/config/engine-node-flags';

const ROOT = path.join(__dirname, '..', '..');

/** `KEY=VALUE …` of ENGINE_ENVIRONMENT, as a shell command puts it before `node`. */
const ASSIGNMENTS = Object.entries(ENGINE_ENVIRONMENT)
  .map(([key, value]) => `${key}=${value}`)
  .join(' ');

describe('the engine is started with the same Node flags everywhere', () => {
  it('in the start scripts of package.json', async () => {
    const { scripts } = JSON.parse(await fs.readFile(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const starts = Object.entries(scripts).filter(([, command]) => command.includes('dist/src/main.js'));
    expect(starts.map(([name]) => name).sort()).toEqual(['start', 'start:dev', 'start:embedded']);
    for (const [, command] of starts) expect(command).toContain(`${ASSIGNMENTS} node ${ENGINE_NODE_FLAGS.join(' ')} dist/src/main.js`);
  });

  it("in the container's command", async () => {
    const dockerfile = await fs.readFile(path.join(ROOT, 'docker', 'Dockerfile'), 'utf8');
    const command = /^CMD (\[.*\])$/m.exec(dockerfile)?.[1];
    expect(JSON.parse(command ?? '[]')).toEqual(['node', ...ENGINE_NODE_FLAGS, 'dist/src/main.js']);
    const runtime = dockerfile.slice(dockerfile.indexOf(' AS runtime'));
    for (const [key, value] of Object.entries(ENGINE_ENVIRONMENT))
      expect(runtime).toMatch(new RegExp(`^\\s*(ENV )?${key}=${value}\\b`, 'm'));
  });
});
