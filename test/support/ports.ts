import net from 'node:net';

/**
 * Ports this test process has handed out: the kernel may give a port it just freed to the next
 * bind(0), and two listeners of one engine on the same port fail its start (seen once: MLLP and HTTP
 * both on one port in a full run).
 */
const handedOut = new Set<number>();

/** A port that was free a moment ago on loopback and that no earlier call in this process returned. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await unusedPort();
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    return port;
  }
}

function unusedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
