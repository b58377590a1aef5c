import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import type { AppConfig } from '../config/app-config';

/**
 * The MLLP listener's server: plain TCP, or TLS when OSTEON_MLLP_TLS_CERT/KEY are set. With a CA
 * (OSTEON_MLLP_TLS_CA) a client must present a certificate that CA signed, else the handshake fails.
 * The PEM files are read once, here, when the listener starts.
 */
export function createMllpServer(settings: AppConfig['hl7']['tls'], onSocket: (socket: net.Socket) => void): net.Server {
  if (!settings) return net.createServer(onSocket);
  const ca = settings.caFile ? fs.readFileSync(settings.caFile) : undefined;
  return tls.createServer(
    {
      cert: fs.readFileSync(settings.certFile),
      key: fs.readFileSync(settings.keyFile),
      minVersion: 'TLSv1.2',
      ...(ca ? { ca, requestCert: true, rejectUnauthorized: true } : {}),
    },
    onSocket,
  );
}
