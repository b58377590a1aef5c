import path from 'node:path';
import { freePort } from './ports';
import { startProcess, waitFor, type RunningProcess } from './processes';
import { ENGINE_ENVIRONMENT, ENGINE_NODE_FLAGS } from '../../src/config/engine-node-flags';

// OSTEON_TEST_DIST lets parallel work build into its own folder (e.g. dist-fhir) and test that.
const MAIN = path.join(__dirname, '..', '..', process.env.OSTEON_TEST_DIST ?? 'dist', 'src', 'main.js');

/** Every test engine accepts this as the operator API key; getJson sends it unless told otherwise. */
export const TEST_OPERATOR_API_KEY = 'test-operator-key-0123456789abcdef';

export interface GetJsonOptions {
  /** Bearer credential to send; `null` sends none. Default: the engine's operator API key. */
  readonly token?: string | null;
}

export interface EngineOptions {
  readonly dataDir: string;
  /** A database URI; without one the engine uses its embedded database (journal under dataDir). */
  readonly mongoUri?: string;
  readonly databaseName?: string;
  readonly allowedAeTitles?: string;
  readonly env?: Record<string, string>;
  readonly httpPort?: number;
  readonly dicomPort?: number;
  /** Start without OSTEON_OPERATOR_API_KEY (as a new user would); getJson then sends no default credential. */
  readonly withoutOperatorKey?: boolean;
  /** How long to wait for the engine to come up (default 60 s). */
  readonly readyTimeoutMs?: number;
}

export interface Engine {
  readonly httpPort: number;
  readonly dicomPort: number;
  readonly options: EngineOptions;
  readonly process: RunningProcess;
  /** The operator API key it was started with (undefined with `withoutOperatorKey`). */
  readonly operatorKey: string | undefined;
  getJson<T = unknown>(urlPath: string, options?: GetJsonOptions): Promise<{ status: number; body: T }>;
  stop(): Promise<void>;
  kill9(): Promise<void>;
}

/** Runs the built engine (dist/) as its own process, as in production, and waits for /health. */
export async function startEngine(options: EngineOptions): Promise<Engine> {
  const httpPort = options.httpPort ?? (await freePort());
  const dicomPort = options.dicomPort ?? (await freePort());
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'test',
    ...ENGINE_ENVIRONMENT,
    OSTEON_HTTP_PORT: String(httpPort),
    OSTEON_DICOM_PORT: String(dicomPort),
    OSTEON_DATA_DIR: options.dataDir,
    OSTEON_EMBEDDED_DB: 'embedded',
    OSTEON_MONGODB_DATABASE: options.databaseName ?? 'osteon',
    OSTEON_ALLOWED_AE: options.allowedAeTitles ?? '',
    OSTEON_LOG_LEVEL: 'info',
    OSTEON_OPERATOR_API_KEY: TEST_OPERATOR_API_KEY,
    ...(options.mongoUri ? { MONGODB_URI: options.mongoUri } : {}),
    ...options.env,
  };
  if (options.withoutOperatorKey) delete env.OSTEON_OPERATOR_API_KEY;
  const running = await startProcess(process.execPath, [...ENGINE_NODE_FLAGS, MAIN], {
    env,
    readyLine: /HTTP API listening/,
    timeoutMs: options.readyTimeoutMs ?? 60_000,
  });
  const operatorKey = env.OSTEON_OPERATOR_API_KEY;
  const getJson = async <T>(urlPath: string, requestOptions: GetJsonOptions = {}): Promise<{ status: number; body: T }> => {
    const token = requestOptions.token === undefined ? operatorKey : requestOptions.token;
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    const response = await fetch(`http://127.0.0.1:${httpPort}${urlPath}`, { headers });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
  await waitFor(async () => ((await getJson('/health')).status === 200 ? true : undefined), 30_000);
  return {
    httpPort,
    dicomPort,
    options,
    process: running,
    operatorKey,
    getJson,
    stop: () => running.stop('SIGTERM'),
    kill9: () => running.stop('SIGKILL'),
  };
}
