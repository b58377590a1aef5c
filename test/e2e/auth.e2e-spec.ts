import { spawn } from 'node:child_process';
import path from 'node:path';
import { startEngine, TEST_OPERATOR_API_KEY, type Engine } from '../support/engine';
import { startTestDatabase, type TestDatabase } from '../support/mongo-peer';
import { tempWorkspace } from '../support/workspace';

const MAIN = path.join(__dirname, '..', '..', 'dist', 'src', 'main.js');
const JWT_SECRET = 'e2e-jwt-secret-0123456789abcdefghijklmnop';

interface LoginBody {
  accessToken: string;
  tokenType: string;
  expiresIn: number;
  role: string;
}

interface UserBody {
  id: string;
  username: string;
  role: string;
  displayName: string;
  disabled: boolean;
  passwordHash?: unknown;
}

describe('authentication and roles on the HTTP API (the running engine)', () => {
  let database: TestDatabase;
  let engine: Engine;
  let workspace: { dir: string; cleanup: () => Promise<void> };

  const post = async <T>(urlPath: string, body: unknown, token?: string): Promise<{ status: number; body: T }> => {
    const response = await fetch(`http://127.0.0.1:${engine.httpPort}${urlPath}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  };

  const createUser = (user: Record<string, string>, token = TEST_OPERATOR_API_KEY) => post<UserBody>('/api/users', user, token);

  const login = async (username: string, password: string): Promise<string> => {
    const response = await post<LoginBody>('/api/auth/login', { username, password });
    expect(response.status).toBe(200);
    return response.body.accessToken;
  };

  beforeAll(async () => {
    database = await startTestDatabase();
    workspace = await tempWorkspace('auth');
    engine = await startEngine({
      dataDir: path.join(workspace.dir, 'data'),
      mongoUri: database.uri,
      databaseName: `auth_${Date.now()}`,
      // Small limits so the lockout tests run in seconds; the earlier tests fail 3 logins from this address.
      env: {
        OSTEON_JWT_SECRET: JWT_SECRET,
        OSTEON_LOGIN_ACCOUNT_FAILURES: '3',
        OSTEON_LOGIN_ADDRESS_FAILURES: '8',
        OSTEON_LOGIN_WINDOW_SECONDS: '600',
        OSTEON_LOGIN_LOCKOUT_SECONDS: '3',
      },
    });
  });

  afterAll(async () => {
    await engine?.stop();
    await database?.stop();
    await workspace?.cleanup();
  });

  it('keeps /health and the OpenAPI document open', async () => {
    expect((await engine.getJson('/health', { token: null })).status).toBe(200);
    const docs = await engine.getJson<{ paths: Record<string, unknown> }>('/api/docs/openapi.json', { token: null });
    expect(docs.status).toBe(200);
    expect(Object.keys(docs.body.paths)).toEqual(expect.arrayContaining(['/api/auth/login', '/api/users', '/api/audit']));
  });

  it('answers 401 without a credential and with an unknown one', async () => {
    const none = await engine.getJson<{ statusCode: number; error: string; message: string }>('/api/studies', { token: null });
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
    expect((await engine.getJson('/api/studies', { token: 'not-a-real-key-or-token-at-all' })).status).toBe(401);
  });

  it('accepts the operator API key as role operator', async () => {
    const response = await engine.getJson<{ items: unknown[]; total: number }>('/api/studies', { token: TEST_OPERATOR_API_KEY });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ items: [], total: 0 });
  });

  it('lets the operator create users, returned without their password hash, and refuses a taken username', async () => {
    const doctor = await createUser({ username: 'dr.grey', password: 'doctor-password-1', role: 'doctor', displayName: 'Dr Grey' });
    expect(doctor.status).toBe(201);
    expect(doctor.body).toMatchObject({ username: 'dr.grey', role: 'doctor', displayName: 'Dr Grey', disabled: false });
    expect(doctor.body.id).toMatch(/^[0-9a-f]{24}$/);
    expect(doctor.body.passwordHash).toBeUndefined();
    const worker = await createUser({ username: 'desk1', password: 'worker-password-1', role: 'admin-worker', displayName: 'Front desk' });
    expect(worker.status).toBe(201);
    const patient = await createUser({
      username: 'pat1',
      password: 'patient-password-1',
      role: 'patient',
      displayName: 'P',
      patientId: 'AUTH-P1',
    });
    expect(patient.status).toBe(201);
    const again = await createUser({ username: 'DR.GREY', password: 'another-password-1', role: 'doctor', displayName: 'Copy' });
    expect(again.status).toBe(409);
    const short = await createUser({ username: 'shorty', password: 'short', role: 'doctor', displayName: 'S' });
    expect(short.status).toBe(400);
    expect(JSON.stringify(short.body)).not.toContain('"short"');
    const list = await engine.getJson<UserBody[]>('/api/users');
    expect(list.status).toBe(200);
    expect(list.body.map((user) => user.username)).toEqual(['desk1', 'dr.grey', 'pat1']);
    expect(list.body.every((user) => user.passwordHash === undefined)).toBe(true);
  });

  it('logs in with a password and returns a bearer token for the role', async () => {
    const response = await post<LoginBody>('/api/auth/login', { username: 'dr.grey', password: 'doctor-password-1' });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 28_800, role: 'doctor' });
    expect(response.body.accessToken.split('.')).toHaveLength(3);
    expect((await engine.getJson('/api/studies', { token: response.body.accessToken })).status).toBe(200);
    expect((await engine.getJson('/api/studies', { token: await login('desk1', 'worker-password-1') })).status).toBe(200);
  });

  it('answers 401 for a wrong password and an unknown user, with the same message', async () => {
    const wrong = await post<{ message: string }>('/api/auth/login', { username: 'dr.grey', password: 'not-the-password' });
    const unknown = await post<{ message: string }>('/api/auth/login', { username: 'nobody', password: 'not-the-password' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.message).toBe(unknown.body.message);
  });

  it('answers 401 for a tampered token', async () => {
    const token = await login('dr.grey', 'doctor-password-1');
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, role: 'operator' })).toString('base64url')}.${signature}`;
    expect((await engine.getJson('/api/studies', { token: forged })).status).toBe(401);
    expect((await engine.getJson('/api/users', { token: forged })).status).toBe(401);
  });

  it('answers 403 when the role is not allowed', async () => {
    const patient = await login('pat1', 'patient-password-1');
    const denied = await engine.getJson<{ statusCode: number; error: string }>('/api/studies', { token: patient });
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
    const doctor = await login('dr.grey', 'doctor-password-1');
    expect((await engine.getJson('/api/users', { token: doctor })).status).toBe(403);
    expect(
      (await createUser({ username: 'sneaky', password: 'sneaky-password-1', role: 'operator', displayName: 'S' }, doctor)).status,
    ).toBe(403);
    expect((await engine.getJson('/api/audit', { token: doctor })).status).toBe(403);
  });

  it('records user creation in the audit log, which the operator can query', async () => {
    const users = await engine.getJson<UserBody[]>('/api/users');
    const doctor = users.body.find((user) => user.username === 'dr.grey') as UserBody;
    const audit = await engine.getJson<{ items: Array<Record<string, unknown>>; total: number }>(
      `/api/audit?action=user.create&resourceType=user&resourceId=${doctor.id}`,
    );
    expect(audit.status).toBe(200);
    expect(audit.body.total).toBe(1);
    expect(audit.body.items[0]).toMatchObject({
      actorId: 'operator-api-key',
      actorUsername: 'operator',
      actorRole: 'operator',
      action: 'user.create',
      resourceType: 'user',
      resourceId: doctor.id,
    });
    const all = await engine.getJson<{ items: Array<{ action: string; at: string }>; total: number }>(
      '/api/audit?actorId=operator-api-key&limit=2',
    );
    expect(all.body.total).toBe(3);
    expect(all.body.items).toHaveLength(2);
    expect(Date.parse(all.body.items[0]?.at as string)).toBeGreaterThanOrEqual(Date.parse(all.body.items[1]?.at as string));
    expect((await engine.getJson('/api/audit?from=yesterday')).status).toBe(400);
  });

  it('refuses a disabled user at once, token and login alike', async () => {
    const created = await createUser({ username: 'leaver', password: 'quiet-harbour-lantern-9', role: 'doctor', displayName: 'Leaver' });
    const token = await login('leaver', 'quiet-harbour-lantern-9');
    expect((await engine.getJson('/api/studies', { token })).status).toBe(200);
    const disabled = await post<UserBody>(`/api/users/${created.body.id}/disable`, {}, TEST_OPERATOR_API_KEY);
    expect(disabled.status).toBe(200);
    expect(disabled.body.disabled).toBe(true);
    expect((await engine.getJson('/api/studies', { token })).status).toBe(401);
    expect((await post('/api/auth/login', { username: 'leaver', password: 'quiet-harbour-lantern-9' })).status).toBe(401);
  });

  it('exits non-zero in production without OSTEON_JWT_SECRET, with one line naming it', async () => {
    const child = spawn(process.execPath, [MAIN], {
      env: { PATH: process.env.PATH, NODE_ENV: 'production', OSTEON_DATA_DIR: path.join(workspace.dir, 'prod'), OSTEON_HTTP_PORT: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain('OSTEON_JWT_SECRET');
  });

  it('refuses a common password, a trivially repeated one and one containing the username, naming the rule', async () => {
    const attempts: Array<[string, string, RegExp]> = [
      ['bob.weak', 'aaaaaaaaaaaa', /too easy to guess/],
      ['bob.weak', 'abcabcabcabc', /too easy to guess/],
      ['bob.weak', 'password1234', /too easy to guess/],
      ['bob.weak', '123456789012', /too easy to guess/],
      ['bob.weak', 'bob.weak-lantern-harbour', /must not contain the username/],
      ['bob.weak', 'LANTERN-BOB.WEAK-77', /must not contain the username/],
    ];
    for (const [username, password, rule] of attempts) {
      const refused = await createUser({ username, password, role: 'doctor', displayName: 'Bob' });
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ code: 'AUTH_WEAK_PASSWORD' });
      expect(JSON.stringify(refused.body)).toMatch(rule);
      expect(JSON.stringify(refused.body)).not.toContain(password);
    }
    expect(
      (await createUser({ username: 'bob.weak', password: 'velvet-compass-orbit-31', role: 'doctor', displayName: 'Bob' })).status,
    ).toBe(201);
  });

  it('locks an account after repeated failed logins (429 with Retry-After), audits every failure, and opens it after the lockout', async () => {
    await createUser({ username: 'victim', password: 'granite-meadow-violin-8', role: 'doctor', displayName: 'V' });
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 3; attempt += 1) {
      statuses.push((await post('/api/auth/login', { username: 'victim', password: `guess-${attempt}-wrong-pass` })).status);
    }
    expect(statuses).toEqual([401, 401, 429]);
    // Locked: even the right password is refused until the lockout ends.
    const locked = await fetch(`http://127.0.0.1:${engine.httpPort}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'victim', password: 'granite-meadow-violin-8' }),
    });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(locked.headers.get('retry-after'))).toBeLessThanOrEqual(3);
    expect(await locked.json()).toMatchObject({ code: 'AUTH_TOO_MANY_ATTEMPTS' });
    const failures = await engine.getJson<{ items: Array<Record<string, unknown>>; total: number }>(
      '/api/audit?action=auth.login.failed&resourceType=user&limit=200',
    );
    const victims = failures.body.items.filter((entry) => entry.actorUsername === 'victim');
    expect(victims).toHaveLength(4);
    expect(victims.map((entry) => (entry.details as { reason: string }).reason).sort()).toEqual([
      'locked-account',
      'password',
      'password',
      'password',
    ]);
    expect(
      victims.every((entry) => entry.actorRole === 'anonymous' && typeof (entry.details as { address?: unknown }).address === 'string'),
    ).toBe(true);
    expect(failures.body.items.some((entry) => entry.actorUsername === 'nobody')).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, (Number(locked.headers.get('retry-after')) + 0.5) * 1000));
    expect((await post('/api/auth/login', { username: 'victim', password: 'granite-meadow-violin-8' })).status).toBe(200);
  });

  it('throttles a source address that guesses across many accounts, whatever account it tries next', async () => {
    // 6 failures so far from this address (wrong password, unknown user, disabled, 3 on victim); the limit is 8.
    expect((await post('/api/auth/login', { username: 'spray-1', password: 'not-the-password' })).status).toBe(401);
    expect((await post('/api/auth/login', { username: 'spray-2', password: 'not-the-password' })).status).toBe(429);
    const blocked = await post<{ code: string; message: string }>('/api/auth/login', {
      username: 'bob.weak',
      password: 'velvet-compass-orbit-31',
    });
    expect(blocked.status).toBe(429);
    expect(blocked.body.message).toContain('this address');
    await new Promise((resolve) => setTimeout(resolve, 3500));
    expect((await post('/api/auth/login', { username: 'bob.weak', password: 'velvet-compass-orbit-31' })).status).toBe(200);
  });
});
