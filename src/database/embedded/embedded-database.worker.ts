import { parentPort, workerData } from 'node:worker_threads';
import { runEmbeddedDatabase } from './embedded-database.runner';

/**
 * The embedded database in its own thread: its queries, index upkeep and journal encoding
 * never hold up the engine's event loop (C-STORE, HTTP). Messages to the parent: ready,
 * failed, log, stopped.
 */
const port = parentPort;
if (!port) throw new Error('embedded-database.worker must run in a worker thread');
const { dir, compactBytes } = workerData as { dir: string; compactBytes?: number };

runEmbeddedDatabase({
  dir,
  compactBytes,
  log: (level, message, data) => port.postMessage({ type: 'log', level, message, data }),
}).then(
  (database) => {
    port.on('message', (message: { type: string }) => {
      if (message.type !== 'stop') return;
      database.stop().then(
        () => port.postMessage({ type: 'stopped' }),
        (error: Error) => port.postMessage({ type: 'stopped', error: error.message }),
      );
    });
    port.postMessage({ type: 'ready', port: database.port, stats: database.stats });
  },
  (error: Error) => port.postMessage({ type: 'failed', message: error.message, name: error.name }),
);
