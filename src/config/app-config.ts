import path from 'node:path';
import { environmentSchema } from './config.schema';

export interface AppConfig {
  readonly environment: 'development' | 'production' | 'test';
  readonly dicom: {
    readonly aeTitle: string;
    readonly host: string;
    readonly port: number;
    readonly allowedCallingAeTitles: readonly string[];
    readonly maxPduLength: number;
    readonly associationTimeoutMs: number;
  };
  readonly http: { readonly host: string; readonly port: number };
  readonly dataDir: string;
  readonly database: {
    readonly uri: string | undefined;
    readonly name: string;
    readonly embedded: 'auto' | 'mongod' | 'emulator';
  };
  readonly logLevel: string;
}

export class ConfigError extends Error {}

/** Validates the environment once; the message names the first bad variable on one line. */
export function loadAppConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = environmentSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue?.path[0] ?? 'environment');
    const value = env[variable];
    throw new ConfigError(
      `Invalid configuration: ${variable}=${JSON.stringify(value ?? '')} ${issue?.message ?? 'is invalid'}`,
    );
  }
  const e = parsed.data;
  return {
    environment: e.NODE_ENV,
    dicom: {
      aeTitle: e.OSTEON_AE_TITLE,
      host: e.OSTEON_DICOM_HOST,
      port: e.OSTEON_DICOM_PORT,
      allowedCallingAeTitles: e.OSTEON_ALLOWED_AE,
      maxPduLength: e.OSTEON_MAX_PDU_LENGTH,
      associationTimeoutMs: e.OSTEON_DICOM_ASSOCIATION_TIMEOUT_MS,
    },
    http: { host: e.OSTEON_HTTP_HOST, port: e.OSTEON_HTTP_PORT },
    dataDir: path.resolve(e.OSTEON_DATA_DIR),
    database: { uri: e.MONGODB_URI, name: e.OSTEON_MONGODB_DATABASE, embedded: e.OSTEON_EMBEDDED_DB },
    logLevel: e.OSTEON_LOG_LEVEL,
  };
}
