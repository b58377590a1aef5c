import path from 'node:path';
import { freePort } from '../support/ports';
import { startProcess, type RunningProcess } from '../support/processes';

export interface FhirServerPeer {
  readonly baseUrl: string;
  readonly port: number;
  /** GET/POST on the server as a client would (for checks and for playing the doctor). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  request<T = any>(
    method: string,
    urlPath: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: T; etag: string | null }>;
  /** Every write (POST/PUT/PATCH/DELETE) the server saw, with its answer. */
  writes(): Promise<Array<{ method: string; url: string; status: number }>>;
  rejectWrites(status: number, text: string): Promise<void>;
  acceptWrites(): Promise<void>;
  stop(): Promise<void>;
  /** Starts it again on the same port and store file, as after an outage. */
  restart(): Promise<void>;
}

/** The real FHIR engine (test/peers/fhir-server.mjs) in its own process, persisting to storeFile. */
export async function startFhirServer(storeFile: string, port?: number): Promise<FhirServerPeer> {
  const chosenPort = port ?? (await freePort());
  const launch = (): Promise<RunningProcess> =>
    startProcess(process.execPath, [path.join(__dirname, 'fhir-server.mjs'), String(chosenPort), storeFile], {
      readyLine: /READY /,
      timeoutMs: 60_000,
    });
  let running = await launch();
  const baseUrl = `http://127.0.0.1:${chosenPort}`;
  const request = async <T>(
    method: string,
    urlPath: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: T; etag: string | null }> => {
    const response = await fetch(`${baseUrl}${urlPath}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/fhir+json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T, etag: response.headers.get('etag') };
  };
  return {
    baseUrl,
    port: chosenPort,
    request,
    writes: async () => (await request<Array<{ method: string; url: string; status: number }>>('GET', '/$control/requests')).body,
    rejectWrites: async (status, text) => void (await request('POST', '/$control/reject', { status, text })),
    acceptWrites: async () => void (await request('POST', '/$control/accept', {})),
    stop: () => running.stop(),
    restart: async () => {
      await running.stop();
      running = await launch();
    },
  };
}
