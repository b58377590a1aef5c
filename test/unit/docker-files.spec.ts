import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { tempWorkspace } from '../support/workspace';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..');
const SCRIPT = path.join(ROOT, 'scripts', 'check-docker.sh');

async function checkDocker(...args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run('bash', [SCRIPT, ...args], { cwd: ROOT });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : 1, output: (failed.stdout ?? '') + (failed.stderr ?? '') };
  }
}

// No Docker engine runs here: the container files are only checked statically (docker/README.md).
describe('docker/ container files (static checks, never built here)', () => {
  let workspace: { dir: string; cleanup: () => Promise<void> };

  beforeAll(async () => {
    workspace = await tempWorkspace('docker-files');
  });

  afterAll(async () => {
    await workspace?.cleanup();
  });

  it('passes scripts/check-docker.sh (docker-compose config, Dockerfile paths)', async () => {
    const result = await checkDocker();
    expect(result.output).toMatch(/check-docker: OK/);
    expect(result.code).toBe(0);
  });

  const brokenCopy = async (name: string, edit: (text: string) => string): Promise<string> => {
    const dir = path.join(workspace.dir, name);
    await fs.mkdir(dir, { recursive: true });
    await fs.copyFile(path.join(ROOT, 'docker', 'orthanc.json'), path.join(dir, 'orthanc.json'));
    const original = await fs.readFile(path.join(ROOT, 'docker', 'compose.yaml'), 'utf8');
    const edited = edit(original);
    expect(edited).not.toBe(original);
    const file = path.join(dir, 'compose.yaml');
    await fs.writeFile(file, edited);
    return file;
  };

  it('fails on a compose file that is not valid YAML', async () => {
    const file = await brokenCopy('yaml', (text) => text.replace('  osteon-2:\n', '  osteon-2\n    - not: [valid\n'));
    const result = await checkDocker(file);
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/docker-compose config rejected/);
  });

  it('fails on a compose file that breaks the Compose schema', async () => {
    const file = await brokenCopy('schema', (text) => text.replace(/service_completed_successfully/g, 'service_done'));
    const result = await checkDocker(file);
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/docker-compose config rejected/);
  });

  it('fails when a secret gets a default value', async () => {
    const file = await brokenCopy('secret', (text) =>
      text.replace('${ORTHANC_PASSWORD:?set ORTHANC_PASSWORD}', '${ORTHANC_PASSWORD:-orthanc}'),
    );
    const result = await checkDocker(file);
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/secret ORTHANC_PASSWORD has a default/);
  });

  it('fails when the Dockerfile copies a path that does not exist', async () => {
    const dockerfile = path.join(workspace.dir, 'Dockerfile');
    const original = await fs.readFile(path.join(ROOT, 'docker', 'Dockerfile'), 'utf8');
    await fs.writeFile(dockerfile, original.replace('COPY tools ./tools', 'COPY no-such-folder ./tools'));
    const result = await checkDocker(path.join(ROOT, 'docker', 'compose.yaml'), dockerfile);
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/copies no-such-folder, which does not exist/);
  });
});
