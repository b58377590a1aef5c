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
      env: { OSTEON_JWT_SECRET: JWT_SECRET },
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
    const created = await createUser({ username: 'leaver', password: 'leaver-password-1', role: 'doctor', displayName: 'Leaver' });
    const token = await login('leaver', 'leaver-password-1');
    expect((await engine.getJson('/api/studies', { token })).status).toBe(200);
    const disabled = await post<UserBody>(`/api/users/${created.body.id}/disable`, {}, TEST_OPERATOR_API_KEY);
    expect(disabled.status).toBe(200);
    expect(disabled.body.disabled).toBe(true);
    expect((await engine.getJson('/api/studies', { token })).status).toBe(401);
    expect((await post('/api/auth/login', { username: 'leaver', password: 'leaver-password-1' })).status).toBe(401);
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
});
