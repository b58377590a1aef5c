import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PortalRequest {
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  /** The status this test portal answered with. */
  readonly answered: number;
}

/**
 * A patient portal for tests: a real node:http server that records every webhook call and
 * answers 200, or the statuses queued with `answerNext` (503, 400...). It can be stopped and
 * started again on the same port to play a portal that is down.
 */
export class TestPortal {
  readonly requests: PortalRequest[] = [];
  private server: http.Server | undefined;
  private queued: number[] = [];
  private boundPort = 0;

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    return `http://127.0.0.1:${this.boundPort}/webhooks/osteon`;
  }

  /** Requests the portal accepted (answered 2xx). */
  get accepted(): PortalRequest[] {
    return this.requests.filter((request) => request.answered >= 200 && request.answered < 300);
  }

  answerNext(...statuses: number[]): void {
    this.queued.push(...statuses);
  }

  async start(port = this.boundPort): Promise<void> {
    const server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const answered = this.queued.shift() ?? 200;
        this.requests.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), answered });
        response.writeHead(answered, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ ok: answered < 300 }));
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.boundPort = (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
