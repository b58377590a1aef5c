/**
 * Creates a user directly in the configured database (MONGODB_URI), e.g. the first operator.
 *   printf '%s' "$PASSWORD" | npm run create-user -- --username alice --role operator --display-name "Alice Ops"
 *   (or set OSTEON_NEW_USER_PASSWORD; --patient-id ID for role patient). Run with the engine's environment.
 * The password is read from stdin, never from the command line (it would show in `ps`).
 *
 * With the embedded database (MONGODB_URI unset) this tool cannot reach the engine's database:
 * start the engine with OSTEON_OPERATOR_API_KEY set and create users with
 *   curl -H "Authorization: Bearer $OSTEON_OPERATOR_API_KEY" -H 'content-type: application/json' \
 *        -d '{"username":"alice","password":"...","role":"operator","displayName":"Alice"}' http://127.0.0.1:3000/api/users
 */
import { parseArgs } from 'node:util';
import type { AuthenticatedUser } from '../src/access/authenticated-user';
import { AuditRepository } from '../src/audit/audit.repository';
import { AuditService } from '../src/audit/audit.service';
import { UserRepository } from '../src/auth/user.repository';
import { UsersService } from '../src/auth/users.service';
import { ConfigError, loadAppConfig } from '../src/config/app-config';
import { DatabaseService } from '../src/database/database.service';

const CLI_ACTOR: AuthenticatedUser = { id: 'create-user-cli', username: 'create-user-cli', role: 'operator' };

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

function fail(message: string, code = 2): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      username: { type: 'string' },
      role: { type: 'string' },
      'display-name': { type: 'string' },
      'patient-id': { type: 'string' },
    },
  });
  if (!values.username || !values.role || !values['display-name']) {
    fail(
      'usage: create-user --username NAME --role admin-worker|doctor|patient|operator --display-name "NAME" [--patient-id ID] (password on stdin or in OSTEON_NEW_USER_PASSWORD)',
    );
  }
  let config;
  try {
    config = loadAppConfig();
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message, 78);
    throw error;
  }
  if (!config.database.uri) {
    fail('MONGODB_URI is unset: with the embedded database, start the engine with OSTEON_OPERATOR_API_KEY and use POST /api/users');
  }
  let password = process.env.OSTEON_NEW_USER_PASSWORD;
  if (password === undefined) {
    if (process.stdin.isTTY) fail('pipe the password on stdin or set OSTEON_NEW_USER_PASSWORD');
    password = await readStdin();
  }
  const database = new DatabaseService(config);
  await database.onModuleInit();
  try {
    const users = new UsersService(new UserRepository(database), new AuditService(new AuditRepository(database)));
    const user = await users.create(CLI_ACTOR, {
      username: values.username,
      password,
      role: values.role,
      displayName: values['display-name'],
      ...(values['patient-id'] !== undefined ? { patientId: values['patient-id'] } : {}),
    });
    process.stdout.write(`${JSON.stringify({ id: user.id, username: user.username, role: user.role })}\n`);
  } catch (error) {
    const response = (error as { getResponse?: () => unknown }).getResponse?.();
    const message = (response as { message?: unknown } | undefined)?.message;
    if (typeof message === 'string') fail(`create-user: ${message}`, 1);
    throw error;
  } finally {
    await database.onApplicationShutdown();
  }
}

main().catch((error: Error) => {
  process.stderr.write(`create-user failed: ${error.message}\n`);
  process.exit(1);
});
