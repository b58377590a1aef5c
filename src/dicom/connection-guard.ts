import type { Socket } from 'node:net';

export type ConnectionTimeout = 'artim' | 'idle';

/** What the guard needs to know from the association on its socket. */
export interface ConnectionGuard {
  /** The peer sent its association request: the ARTIM timer stops. */
  associationRequested(): void;
  /** Runs our side of an operation (an ingest, a query): silence meanwhile is ours, not the peer's. */
  busy<T>(work: Promise<T>): Promise<T>;
}

/**
 * Closes DICOM connections that hold a slot and say nothing. dcmjs-dimse arms a socket timeout on
 * server sockets but only logs "Connection timeout" when it fires and keeps the socket open
 * (measured: an idle connection, a half-sent PDU and an open association all stayed 240 s with a
 * 10 s timeout), so the guard destroys the socket itself: ARTIM (PS3.8 9.1.5) until the association
 * request arrives, then the idle timeout while the peer is silent and no operation of ours runs.
 */
export function guardConnection(
  socket: Socket,
  options: { artimMs: number; idleMs: number; onTimeout: (kind: ConnectionTimeout) => void },
): ConnectionGuard {
  let operations = 0;
  const close = (kind: ConnectionTimeout): void => {
    if (socket.destroyed) return;
    options.onTimeout(kind);
    socket.destroy();
  };
  const artim = setTimeout(() => close('artim'), options.artimMs);
  artim.unref();
  socket.setTimeout(options.idleMs);
  socket.on('timeout', () => {
    // While an operation of ours runs the peer waits for our answer; writing it re-arms the timer.
    if (operations === 0) close('idle');
  });
  socket.once('close', () => clearTimeout(artim));
  return {
    associationRequested: () => clearTimeout(artim),
    async busy<T>(work: Promise<T>): Promise<T> {
      operations += 1;
      try {
        return await work;
      } finally {
        operations -= 1;
      }
    },
  };
}
