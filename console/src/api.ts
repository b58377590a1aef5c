import type { Role } from './logic/types';

export interface Session {
  readonly token: string;
  readonly role: Role;
  readonly username: string;
}

const SESSION_KEY = 'osteon.session';

/** The session lives in sessionStorage: gone when the tab closes, never in a URL. */
export function loadSession(): Session | undefined {
  try {
    const raw = sessionStorage.getItem(SESSION_KEY);
    return raw ? (JSON.parse(raw) as Session) : undefined;
  } catch {
    return undefined;
  }
}

export function saveSession(session: Session | undefined): void {
  if (session) sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  else sessionStorage.removeItem(SESSION_KEY);
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

let onUnauthorised: () => void = () => undefined;

/** Called when the API answers 401: the token expired or was revoked. */
export function setUnauthorisedHandler(handler: () => void): void {
  onUnauthorised = handler;
}

async function request(session: Session | undefined, method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = {};
  if (session) headers.authorization = `Bearer ${session.token}`;
  let payload: BodyInit | undefined;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const response = await fetch(path, { method, headers, body: payload, cache: 'no-store' });
  if (response.status === 401 && session) onUnauthorised();
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      const parsed = (await response.json()) as { message?: unknown };
      if (parsed.message) message = Array.isArray(parsed.message) ? parsed.message.join('; ') : String(parsed.message);
    } catch {
      // not JSON: keep the status line
    }
    throw new ApiError(response.status, message);
  }
  return response;
}

export async function getJson<T>(session: Session, path: string): Promise<T> {
  return (await (await request(session, 'GET', path)).json()) as T;
}

export async function postJson<T>(session: Session | undefined, path: string, body: unknown = {}): Promise<T> {
  return (await (await request(session, 'POST', path, body)).json()) as T;
}

/** `<img>` cannot send the bearer token: fetch the image and show it through a blob: URL (revoke it when done). */
export async function imageUrl(session: Session, path: string): Promise<string> {
  return URL.createObjectURL(await (await request(session, 'GET', path)).blob());
}

export async function login(username: string, password: string): Promise<Session> {
  const result = await postJson<{ accessToken: string; role: Role }>(undefined, '/api/auth/login', { username, password });
  return { token: result.accessToken, role: result.role, username };
}

/** POST of a form with upload progress (fetch cannot report it): `onProgress` gets 0…1 as the bytes leave. */
export function postFormWithProgress<T>(
  session: Session,
  path: string,
  form: FormData,
  onProgress: (fraction: number) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    xhr.setRequestHeader('authorization', `Bearer ${session.token}`);
    xhr.responseType = 'json';
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) onProgress(event.loaded / event.total);
    };
    xhr.onerror = () => reject(new ApiError(0, 'The upload failed: no answer from the server.'));
    xhr.onload = () => {
      if (xhr.status === 401) onUnauthorised();
      const body = xhr.response as { message?: unknown } | null;
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as T);
      else {
        const message = body?.message
          ? Array.isArray(body.message)
            ? body.message.join('; ')
            : String(body.message)
          : `${xhr.status} ${xhr.statusText}`;
        reject(new ApiError(xhr.status, message));
      }
    };
    xhr.send(form);
  });
}
