import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { startEngine, type Engine } from '../support/engine';
import { freePort } from '../support/ports';
import { makeTestCertificates, type TestCertificates } from '../support/tls-certs';
import { tempWorkspace } from '../support/workspace';
import { waitFor } from '../support/processes';

const run = promisify(execFile);
const PEER = path.join(__dirname, '..', 'peers', 'ris-peer.py');
const PYTHON = '/usr/bin/python3';

function msa(reply: string, n: number): string {
  const segment = reply.split('\r').find((line) => line.startsWith('MSA|')) ?? '';
  return segment.split('|')[n] ?? '';
}

describe('MLLP over TLS with client certificates (python3-hl7 RIS over ssl)', () => {
  let engine: Engine;
  let workspace: { dir: string; cleanup: () => Promise<void> };
  let certs: TestCertificates;
  let mllpPort: number;
  let sequence = 0;

  const send = async (controlId: string, tlsArgs: string[]): Promise<unknown> => {
    sequence += 1;
    const script = path.join(workspace.dir, `script-${sequence}.json`);
    const order = [
      `MSH|^~\\&|RIS|RADIOLOGY|OSTEON|ED|20260101120000||ORM^O01|${controlId}|P|2.5.1`,
      'PID|1||PAT-TLS',
      'ORC|NW|P-TLS|ACC-TLS',
      'OBR|1|P-TLS|ACC-TLS|XRHAND^X-ray hand',
    ].join('\r');
    await fs.writeFile(script, JSON.stringify([{ message: order }, { read: true }]));
    const { stdout } = await run(PYTHON, [PEER, 'send', '--port', String(mllpPort), '--script', script, '--timeout', '10', ...tlsArgs]);
    return JSON.parse(stdout) as unknown;
  };

  beforeAll(async () => {
    workspace = await tempWorkspace('mllp-tls');
    certs = await makeTestCertificates(workspace.dir);
    mllpPort = await freePort();
    engine = await startEngine({
      dataDir: path.join(workspace.dir, 'data'),
      env: {
        OSTEON_MLLP_PORT: String(mllpPort),
        OSTEON_HL7_TRUSTED_SENDERS: 'RIS^RADIOLOGY@127.0.0.1',
        OSTEON_MLLP_TLS_CERT: certs.serverCert,
        OSTEON_MLLP_TLS_KEY: certs.serverKey,
        OSTEON_MLLP_TLS_CA: certs.ca,
      },
    });
  });

  afterAll(async () => {
    await engine?.stop();
    await workspace?.cleanup();
  });

  it('takes an order over TLS from a RIS that presents a certificate the configured CA signed', async () => {
    const replies = (await send('TLS-1', ['--tls-ca', certs.ca, '--tls-cert', certs.clientCert, '--tls-key', certs.clientKey])) as string[];
    expect(replies).toHaveLength(1);
    expect([msa(replies[0] as string, 1), msa(replies[0] as string, 2)]).toEqual(['AA', 'TLS-1']);
  });

  it('refuses a client without a certificate, and one whose certificate another CA signed, before any message', async () => {
    for (const args of [
      ['--tls-ca', certs.ca],
      ['--tls-ca', certs.ca, '--tls-cert', certs.strangerCert, '--tls-key', certs.strangerKey],
    ]) {
      const outcome = await send('TLS-NO', args);
      const text = JSON.stringify(outcome);
      expect(text).toMatch(/connectError|CLOSED/);
      expect(text).not.toContain('MSA|AA');
    }
    // The engine writes its log lines in batches (every 20 ms): wait for the line, then check it.
    await waitFor(async () => (engine.process.output().includes('MLLP TLS handshake refused') ? true : undefined), 5000, 20).catch(
      () => undefined,
    );
    expect(engine.process.output()).toContain('MLLP TLS handshake refused');
  });

  it('does not speak plain MLLP on the TLS port', async () => {
    const outcome = await send('PLAIN-1', []);
    expect(JSON.stringify(outcome)).not.toContain('MSA|AA');
  });
});
