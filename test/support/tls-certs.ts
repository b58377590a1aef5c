import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestCertificates {
  readonly ca: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
  /** A client certificate signed by another CA: must be refused. */
  readonly strangerCert: string;
  readonly strangerKey: string;
}

async function openssl(args: string[]): Promise<void> {
  await run('openssl', args);
}

async function authority(dir: string, name: string): Promise<{ cert: string; key: string }> {
  const key = path.join(dir, `${name}.key`);
  const cert = path.join(dir, `${name}.pem`);
  await openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`, '-keyout', key, '-out', cert]);
  return { cert, key };
}

async function signed(dir: string, name: string, ca: { cert: string; key: string }): Promise<{ cert: string; key: string }> {
  const key = path.join(dir, `${name}.key`);
  const request = path.join(dir, `${name}.csr`);
  const cert = path.join(dir, `${name}.pem`);
  await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', key, '-out', request]);
  await openssl(['x509', '-req', '-in', request, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-days', '2', '-out', cert]);
  return { cert, key };
}

/** A CA, a server and a client certificate it signed, and a stranger's certificate (openssl, PEM files in dir). */
export async function makeTestCertificates(dir: string): Promise<TestCertificates> {
  const ca = await authority(dir, 'test-ca');
  const other = await authority(dir, 'other-ca');
  const server = await signed(dir, 'localhost', ca);
  const client = await signed(dir, 'ris-client', ca);
  const stranger = await signed(dir, 'stranger', other);
  return {
    ca: ca.cert,
    serverCert: server.cert,
    serverKey: server.key,
    clientCert: client.cert,
    clientKey: client.key,
    strangerCert: stranger.cert,
    strangerKey: stranger.key,
  };
}
