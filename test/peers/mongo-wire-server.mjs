// The engine's embedded database (journal + snapshot, MongoDB wire protocol) in its own
// process, as a separate database server would run. Prints "READY <uri>" once it accepts
// connections; stops on SIGTERM. Needs the built engine (npm run build).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { runEmbeddedDatabase } = require('../../dist/src/database/embedded/embedded-database.runner.js');

const [portArgument, dir] = process.argv.slice(2);
const port = Number(portArgument ?? 0);
if (!port || !dir) {
  process.stderr.write('usage: mongo-wire-server.mjs <port> <data dir>\n');
  process.exit(2);
}
const database = await runEmbeddedDatabase({ dir, port });
process.stdout.write(`READY mongodb://127.0.0.1:${database.port}/?directConnection=true\n`);
const stop = async () => {
  await database.stop();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
