import type { Engine } from './engine';
import { TEST_OPERATOR_API_KEY } from './engine';

export interface ApiResponse<T> {
  readonly status: number;
  readonly body: T;
}

/** Calls the engine's HTTP API; `token: null` sends no credential, default is the operator key. */
export async function api<T = any>( // eslint-disable-line @typescript-eslint/no-explicit-any
  engine: Engine,
  method: 'GET' | 'POST',
  urlPath: string,
  options: { token?: string | null; json?: unknown; form?: FormData } = {},
): Promise<ApiResponse<T>> {
  const token = options.token === undefined ? TEST_OPERATOR_API_KEY : options.token;
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  let body: string | FormData | undefined;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.form) {
    body = options.form;
  }
  const response = await fetch(`http://127.0.0.1:${engine.httpPort}${urlPath}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON (a PNG or DICOM body): keep the text
  }
  return { status: response.status, body: parsed as T };
}

/** A password the policy accepts (not common, no pattern, not containing any test username). */
export const TEST_PASSWORD = 'plaid-otter-rowing-quietly-42';

/** Creates a user as the operator and logs in; returns the bearer token. `extra`: e.g. a doctor's externalIds. */
export async function userToken(
  engine: Engine,
  username: string,
  role: 'doctor' | 'admin-worker' | 'patient' | 'operator',
  extra: Record<string, unknown> = {},
): Promise<string> {
  const password = TEST_PASSWORD;
  const created = await api(engine, 'POST', '/api/users', { json: { username, password, role, displayName: username, ...extra } });
  if (created.status !== 201 && created.status !== 200)
    throw new Error(`user ${username} not created: ${created.status} ${JSON.stringify(created.body)}`);
  const login = await api<{ accessToken: string }>(engine, 'POST', '/api/auth/login', { token: null, json: { username, password } });
  if (login.status !== 200 && login.status !== 201) throw new Error(`login failed for ${username}: ${login.status}`);
  return login.body.accessToken;
}
