import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { environmentSchema, SECRET_VARIABLES } from './config.schema';

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
  readonly workflow: {
    readonly studyIdleMs: number;
    readonly urgentBodyParts: readonly string[];
    readonly urgentMinCountClass: '1' | '2+' | 'never';
  };
  readonly jobs: {
    readonly pollMs: number;
    readonly leaseMs: number;
    readonly maxAttempts: number;
    readonly backoffMs: number;
    readonly concurrency: number;
    readonly workerId: string;
  };
  readonly auth: {
    /** Unset outside production: the auth module then signs with a random per-process key. */
    readonly jwtSecret: string | undefined;
    readonly operatorApiKey: string | undefined;
    readonly tokenTtlSeconds: number;
  };
  readonly inference: {
    readonly modelsDir: string;
    readonly threads: number;
    readonly thresholdOverride: number | undefined;
  };
}

export class ConfigError extends Error {}

/** Validates the environment once; the message names the first bad variable on one line. */
export function loadAppConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = environmentSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue?.path[0] ?? 'environment');
    const value = SECRET_VARIABLES.has(variable) && env[variable] ? '<redacted>' : env[variable];
    throw new ConfigError(
      `Invalid configuration: ${variable}=${JSON.stringify(value ?? '')} ${issue?.message ?? 'is invalid'}`,
    );
  }
  const e = parsed.data;
  if (e.NODE_ENV === 'production' && !e.OSTEON_JWT_SECRET) {
    throw new ConfigError('Invalid configuration: OSTEON_JWT_SECRET is required when NODE_ENV=production');
  }
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
    workflow: {
      studyIdleMs: e.OSTEON_STUDY_IDLE_MS,
      urgentBodyParts: e.OSTEON_URGENT_BODY_PARTS,
      urgentMinCountClass: e.OSTEON_URGENT_MIN_COUNT,
    },
    jobs: {
      pollMs: e.OSTEON_JOB_POLL_MS,
      leaseMs: e.OSTEON_JOB_LEASE_MS,
      maxAttempts: e.OSTEON_JOB_MAX_ATTEMPTS,
      backoffMs: e.OSTEON_JOB_BACKOFF_MS,
      concurrency: e.OSTEON_WORKER_CONCURRENCY,
      workerId: e.OSTEON_WORKER_ID ?? `${os.hostname()}-${process.pid}`,
    },
    auth: {
      jwtSecret: e.OSTEON_JWT_SECRET,
      operatorApiKey: e.OSTEON_OPERATOR_API_KEY,
      tokenTtlSeconds: e.OSTEON_TOKEN_TTL_SECONDS,
    },
    inference: {
      modelsDir: path.resolve(e.OSTEON_MODELS_DIR ?? defaultModelsDir()),
      threads: e.OSTEON_INFERENCE_THREADS,
      thresholdOverride: e.OSTEON_FRACTURE_THRESHOLD,
    },
  };
}

/** models/ next to package.json, whether running from src/config or dist/src/config. */
function defaultModelsDir(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return path.join(dir, 'models');
}
