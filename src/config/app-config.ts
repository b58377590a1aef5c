import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HttpStatus } from '@nestjs/common';
import { OsteonException } from '../common/osteon.exception';
import { environmentSchema, SECRET_VARIABLES, type Environment } from './config.schema';

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
  /** This process's own staging folder name: replicas sharing a data volume never clean each other's in-flight files. */
  readonly stagingName: string;
  readonly database: {
    readonly uri: string | undefined;
    readonly name: string;
    readonly embedded: 'embedded' | 'mongod';
    /** Journal size after which the embedded database writes a new snapshot. */
    readonly compactBytes: number;
  };
  readonly logLevel: string;
  readonly learning: {
    readonly trainerCommand: string;
    readonly trainerTimeoutMs: number;
    readonly baseDatasetDir: string | undefined;
    readonly evaluationDir: string | undefined;
    readonly minNewLabels: number;
    readonly checkEveryMinutes: number;
    readonly holdoutFraction: number;
    readonly aurocMargin: number;
    readonly sensitivityFloor: number;
    readonly syncSeconds: number;
  };
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
  readonly hl7: {
    /** Undefined: results are not sent to a RIS. */
    readonly ris: { readonly host: string; readonly port: number } | undefined;
    /** Undefined: no MLLP listener. */
    readonly listener: { readonly host: string; readonly port: number } | undefined;
    readonly sendingApplication: string;
    readonly sendingFacility: string;
    readonly receivingApplication: string;
    readonly receivingFacility: string;
    readonly ackTimeoutMs: number;
    readonly sweepMs: number;
    /** Signed (F/C) results carry the patient PDF as an ED OBX. */
    readonly embedPdf: boolean;
  };
  readonly portal: {
    readonly institutionName: string;
    /** Unset: the portal channel is off (nothing scheduled); the PDF API still works. */
    readonly webhookUrl: string | undefined;
    readonly secret: string | undefined;
    readonly linkTtlHours: number;
    readonly publicBaseUrl: string | undefined;
    readonly timeoutMs: number;
    readonly sweepMs: number;
  };
  /** Undefined: the FHIR channel is off (OSTEON_FHIR_URL not set). */
  readonly fhir:
    | {
        readonly baseUrl: string;
        readonly auth:
          | { readonly kind: 'bearer'; readonly token: string }
          | { readonly kind: 'basic'; readonly username: string; readonly password: string }
          | { readonly kind: 'none' };
        readonly pollMs: number;
        readonly sweepMs: number;
        readonly timeoutMs: number;
        readonly system: string;
        readonly patientIdSystem: string;
      }
    | undefined;
  /** Undefined: the PACS channel is off (OSTEON_PACS_AE/HOST/PORT not set). */
  readonly pacs:
    | {
        readonly calledAeTitle: string;
        readonly host: string;
        readonly port: number;
        readonly callingAeTitle: string;
        readonly timeoutMs: number;
        readonly sweepMs: number;
      }
    | undefined;
}

/** A bad environment: the engine does not start (exit 78), and the message names the variable. */
export class ConfigError extends OsteonException<'CONFIG_INVALID'> {
  constructor(message: string) {
    super('CONFIG_INVALID', message, { httpStatus: HttpStatus.INTERNAL_SERVER_ERROR, retryable: false });
  }
}

/** Validates the environment once; the message names the first bad variable on one line. */
export function loadAppConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = environmentSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue?.path[0] ?? 'environment');
    const value = SECRET_VARIABLES.has(variable) && env[variable] ? '<redacted>' : env[variable];
    throw new ConfigError(`Invalid configuration: ${variable}=${JSON.stringify(value ?? '')} ${issue?.message ?? 'is invalid'}`);
  }
  const e = parsed.data;
  if (e.NODE_ENV === 'production' && !e.OSTEON_JWT_SECRET) {
    throw new ConfigError('Invalid configuration: OSTEON_JWT_SECRET is required when NODE_ENV=production');
  }
  if (e.OSTEON_PORTAL_URL && !e.OSTEON_PORTAL_SECRET) {
    throw new ConfigError('Invalid configuration: OSTEON_PORTAL_SECRET is required when OSTEON_PORTAL_URL is set');
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
    stagingName: (e.OSTEON_WORKER_ID ?? os.hostname()).replace(/[^A-Za-z0-9._-]/g, '_'),
    database: {
      uri: e.MONGODB_URI,
      name: e.OSTEON_MONGODB_DATABASE,
      embedded: e.OSTEON_EMBEDDED_DB,
      compactBytes: e.OSTEON_DB_COMPACT_MB * 1024 * 1024,
    },
    logLevel: e.OSTEON_LOG_LEVEL,
    learning: {
      trainerCommand: e.OSTEON_TRAINER_COMMAND,
      trainerTimeoutMs: e.OSTEON_TRAINER_TIMEOUT_MINUTES * 60_000,
      baseDatasetDir: e.OSTEON_BASE_DATASET_DIR ? path.resolve(e.OSTEON_BASE_DATASET_DIR) : undefined,
      evaluationDir: e.OSTEON_EVAL_DIR ? path.resolve(e.OSTEON_EVAL_DIR) : undefined,
      minNewLabels: e.OSTEON_RETRAIN_MIN_LABELS,
      checkEveryMinutes: e.OSTEON_RETRAIN_CHECK_MINUTES,
      holdoutFraction: e.OSTEON_RETRAIN_HOLDOUT_FRACTION,
      aurocMargin: e.OSTEON_GATE_AUROC_MARGIN,
      sensitivityFloor: e.OSTEON_GATE_SENSITIVITY_FLOOR,
      syncSeconds: e.OSTEON_MODEL_SYNC_SECONDS,
    },
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
    portal: {
      institutionName: e.OSTEON_INSTITUTION_NAME,
      webhookUrl: e.OSTEON_PORTAL_URL,
      secret: e.OSTEON_PORTAL_SECRET,
      linkTtlHours: e.OSTEON_PORTAL_LINK_TTL_HOURS,
      publicBaseUrl: e.OSTEON_PORTAL_PUBLIC_URL?.replace(/\/+$/, ''),
      timeoutMs: e.OSTEON_PORTAL_TIMEOUT_MS,
      sweepMs: e.OSTEON_PORTAL_SWEEP_MS,
    },
    fhir: fhirConfig(e),
    pacs: pacsConfig(e),
    hl7: {
      ris: risTarget(e),
      listener: e.OSTEON_MLLP_PORT !== undefined ? { host: e.OSTEON_MLLP_HOST, port: e.OSTEON_MLLP_PORT } : undefined,
      sendingApplication: e.OSTEON_HL7_SENDING_APP,
      sendingFacility: e.OSTEON_HL7_SENDING_FACILITY,
      receivingApplication: e.OSTEON_RIS_APP,
      receivingFacility: e.OSTEON_RIS_FACILITY,
      ackTimeoutMs: e.OSTEON_HL7_ACK_TIMEOUT_MS,
      sweepMs: e.OSTEON_HL7_SWEEP_MS,
      embedPdf: e.OSTEON_HL7_EMBED_PDF === 'true',
    },
  };
}

function fhirConfig(e: Environment): AppConfig['fhir'] {
  if (!e.OSTEON_FHIR_URL) return undefined;
  if ((e.OSTEON_FHIR_USERNAME === undefined) !== (e.OSTEON_FHIR_PASSWORD === undefined)) {
    throw new ConfigError('Invalid configuration: OSTEON_FHIR_USERNAME and OSTEON_FHIR_PASSWORD must be set together');
  }
  const auth: NonNullable<AppConfig['fhir']>['auth'] = e.OSTEON_FHIR_TOKEN
    ? { kind: 'bearer', token: e.OSTEON_FHIR_TOKEN }
    : e.OSTEON_FHIR_USERNAME && e.OSTEON_FHIR_PASSWORD
      ? { kind: 'basic', username: e.OSTEON_FHIR_USERNAME, password: e.OSTEON_FHIR_PASSWORD }
      : { kind: 'none' };
  return {
    baseUrl: e.OSTEON_FHIR_URL.replace(/\/+$/, ''),
    auth,
    pollMs: Math.round(e.OSTEON_FHIR_POLL_SECONDS * 1000),
    sweepMs: e.OSTEON_FHIR_SWEEP_MS,
    timeoutMs: e.OSTEON_FHIR_TIMEOUT_MS,
    system: e.OSTEON_FHIR_SYSTEM,
    patientIdSystem: e.OSTEON_FHIR_PATIENT_ID_SYSTEM,
  };
}

function pacsConfig(e: Environment): AppConfig['pacs'] {
  const target = { OSTEON_PACS_AE: e.OSTEON_PACS_AE, OSTEON_PACS_HOST: e.OSTEON_PACS_HOST, OSTEON_PACS_PORT: e.OSTEON_PACS_PORT };
  const missing = Object.entries(target)
    .filter(([, value]) => value === undefined)
    .map(([name]) => name);
  if (missing.length === 3) return undefined;
  if (missing.length > 0)
    throw new ConfigError(`Invalid configuration: ${missing.join(', ')} must be set with the other OSTEON_PACS_* variables`);
  return {
    calledAeTitle: e.OSTEON_PACS_AE as string,
    host: e.OSTEON_PACS_HOST as string,
    port: e.OSTEON_PACS_PORT as number,
    callingAeTitle: e.OSTEON_PACS_CALLING_AE ?? e.OSTEON_AE_TITLE,
    timeoutMs: e.OSTEON_PACS_TIMEOUT_MS,
    sweepMs: e.OSTEON_PACS_SWEEP_MS,
  };
}

/** Both or neither: a RIS host without a port (or the reverse) is a typo, not "off". */
function risTarget(e: Environment): AppConfig['hl7']['ris'] {
  if (e.OSTEON_RIS_HOST === undefined && e.OSTEON_RIS_PORT === undefined) return undefined;
  if (e.OSTEON_RIS_HOST === undefined || e.OSTEON_RIS_PORT === undefined) {
    throw new ConfigError('Invalid configuration: OSTEON_RIS_HOST and OSTEON_RIS_PORT must be set together');
  }
  return { host: e.OSTEON_RIS_HOST, port: e.OSTEON_RIS_PORT };
}

/** models/ next to package.json, whether running from src/config or dist/src/config. */
function defaultModelsDir(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return path.join(dir, 'models');
}
