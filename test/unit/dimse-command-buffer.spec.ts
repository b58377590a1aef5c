import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..');

/** Gathers a DIMSE command the way dcmjs-dimse does and prints what toBuffer() joins; stderr has Node's warnings. */
async function joinInChild(patched: boolean): Promise<{ stdout: string; stderr: string }> {
  const script = `
    ${patched ? "require('./src/dicom/dimse-command-buffer').joinDimseCommandsWithoutDeprecatedBuffer();" : ''}
    const MemoryStream = require(require.resolve('memorystream', { paths: [require('path').dirname(require.resolve('dcmjs-dimse'))] }));
    const stream = MemoryStream.createWriteStream();
    stream.write(Buffer.from([1, 2, 3]));
    stream.write(Buffer.from('command'));
    process.stdout.write(stream.toBuffer().toString('hex'));
  `;
  // --pending-deprecation makes Node warn about Buffer() even from node_modules: the call is then visible.
  return run(process.execPath, ['--pending-deprecation', '--require', 'ts-node/register/transpile-only', '-e', script], { cwd: ROOT });
}

describe('DIMSE commands joined without the deprecated Buffer constructor', () => {
  it('gives the same bytes as memorystream, without calling Buffer()', async () => {
    const original = await joinInChild(false);
    const patched = await joinInChild(true);
    expect(patched.stdout).toBe(Buffer.concat([Buffer.from([1, 2, 3]), Buffer.from('command')]).toString('hex'));
    expect(patched.stdout).toBe(original.stdout);
    // The control: memorystream's own join is what Node flags.
    expect(original.stderr).toContain('DEP0005');
    expect(patched.stderr).not.toContain('DEP0005');
  }, 30_000);
});
