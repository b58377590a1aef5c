// The MongoDB-wire test server (CongoDB emulator) in its own process, as a real database
// would run. Prints "READY <uri>" once it accepts connections; stops on SIGTERM.
import { congodb } from '@push.rocks/smartmongo';

const port = Number(process.argv[2] ?? 0);
if (!port) {
  process.stderr.write('usage: mongo-wire-server.mjs <port>\n');
  process.exit(2);
}
const server = new congodb.CongoServer({ port, host: '127.0.0.1' });
await server.start();
process.stdout.write(`READY mongodb://127.0.0.1:${port}/?directConnection=true\n`);
const stop = async () => {
  await server.stop();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
