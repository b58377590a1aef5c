import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from './config.exception';
import { deliveryMaxAges, fhirConfig, mllpTls, pacsConfig, risTarget, trustedSenders, type TrustedSender } from './channel-config';
import { environmentSchema, SECRET_VARIABLES } from './config.schema';

export type { TrustedSender } from './channel-config';
export { ConfigError } from './config.exception';

export interface AppConfig {
  readonly environment: 'development' | 'production' | 'test';
  readonly dicom: {
    readonly aeTitle: string;
    readonly host: string;
    readonly port: number;
    readonly allowedCallingAeTitles: readonly string[];
    readonly maxPduLength: number;
    readonly associationTimeoutMs: number;
    /** No association request on a new connection within this time: the socket is closed. */
    readonly artimTimeoutMs: number;
    /** Largest image (rows x columns) taken by C-STORE or upload, checked from the header before decoding. */
    readonly maxImagePixels: number;
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
  /** Analysis and rendering yield to receiving (see dicom/ingest-activity.ts). */
  readonly receivePriority: { readonly quietMs: number; readonly maxDeferMs: number; readonly readNice: number };
  readonly jobs: {
    readonly pollMs: number;
    readonly leaseMs: number;
    readonly maxAttempts: number;
    readonly backoffMs: number;
    readonly backoffMaxMs: number;
    readonly concurrency: number;
    /** Jobs that read images (READS_IMAGES) running at once, within `concurrency`. */
    readonly readConcurrency: number;
    /** Megapixels those jobs hold decoded at once (ImageMemoryBudget). */
    readonly readMegapixels: number;
    readonly workerId: string;
  };
  readonly deliveries: {
    /** How long a delivery is retried, by channel (`deliveries.<channel>`); `default` for the rest. */
    readonly maxAgeMs: Readonly<Record<string, number>> & { readonly default: number };
    /** After this long failing, a channel is reported down. */
    readonly downAfterMs: number;
  };
  readonly auth: {
    /** Unset outside production: the auth module then signs with a random per-process key. */
    readonly jwtSecret: string | undefined;
    readonly operatorApiKey: string | undefined;
    readonly tokenTtlSeconds: number;
    /** Failed-login limits: per account and per source address within the window, then locked out. */
    readonly login: {
      readonly accountFailures: number;
      readonly addressFailures: number;
      readonly windowSeconds: number;
      readonly lockoutSeconds: number;
    };
  };
  readonly inference: {
    readonly modelsDir: string;
    readonly threads: number;
    readonly thresholdOverride: number | undefined;
  };
  readonly dicomweb: { readonly maxStowBytes: number };
  /** Where the built OHIF viewer is (it may be missing: /viewer/ then answers 503). */
  readonly viewer: { readonly dir: string };
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
    /** The listener closes a connection idle, or stuck half-way through a frame, this long. */
    readonly listenerIdleTimeoutMs: number;
    readonly sweepMs: number;
    /** Signed (F/C) results carry the patient PDF as an ED OBX. */
    readonly embedPdf: boolean;
    /** Who may send orders and verdicts; empty: every inbound order and verdict is refused. */
    readonly trustedSenders: readonly TrustedSender[];
    /** MLLP over TLS (PEM file paths); undefined: plain TCP. */
    readonly tls: { readonly certFile: string; readonly keyFile: string; readonly caFile: string | undefined } | undefined;
  };
  readonly portal: {
    readonly institutionName: string;
    /** The PDF language when the patient chose none; `localesDir` holds a site's extra or changed texts. */
    readonly pdfLanguage: string;
    readonly pdfLocalesDir: string | undefined;
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
      artimTimeoutMs: e.OSTEON_DICOM_ARTIM_TIMEOUT_MS,
      maxImagePixels: e.OSTEON_MAX_IMAGE_PIXELS,
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
    receivePriority: {
      quietMs: e.OSTEON_RECEIVE_PRIORITY_QUIET_MS,
      maxDeferMs: e.OSTEON_RECEIVE_PRIORITY_MAX_MS,
      readNice: e.OSTEON_READ_NICE,
    },
    jobs: {
      pollMs: e.OSTEON_JOB_POLL_MS,
      leaseMs: e.OSTEON_JOB_LEASE_MS,
      maxAttempts: e.OSTEON_JOB_MAX_ATTEMPTS,
      backoffMs: e.OSTEON_JOB_BACKOFF_MS,
      backoffMaxMs: e.OSTEON_JOB_BACKOFF_MAX_MS,
      concurrency: e.OSTEON_WORKER_CONCURRENCY,
      readConcurrency: e.OSTEON_READ_CONCURRENCY ?? e.OSTEON_WORKER_CONCURRENCY,
      readMegapixels: e.OSTEON_READ_MEGAPIXELS,
      workerId: e.OSTEON_WORKER_ID ?? `${os.hostname()}-${process.pid}`,
    },
    deliveries: {
      maxAgeMs: deliveryMaxAges(e),
      downAfterMs: e.OSTEON_CHANNEL_DOWN_AFTER_MS,
    },
    auth: {
      jwtSecret: e.OSTEON_JWT_SECRET,
      operatorApiKey: e.OSTEON_OPERATOR_API_KEY,
      tokenTtlSeconds: e.OSTEON_TOKEN_TTL_SECONDS,
      login: {
        accountFailures: e.OSTEON_LOGIN_ACCOUNT_FAILURES,
        addressFailures: e.OSTEON_LOGIN_ADDRESS_FAILURES,
        windowSeconds: e.OSTEON_LOGIN_WINDOW_SECONDS,
        lockoutSeconds: e.OSTEON_LOGIN_LOCKOUT_SECONDS,
      },
    },
    inference: {
      modelsDir: path.resolve(e.OSTEON_MODELS_DIR ?? defaultModelsDir()),
      threads: e.OSTEON_INFERENCE_THREADS,
      thresholdOverride: e.OSTEON_FRACTURE_THRESHOLD,
    },
    dicomweb: { maxStowBytes: e.OSTEON_DICOMWEB_MAX_STOW_MB * 1024 * 1024 },
    viewer: { dir: path.resolve(e.OSTEON_VIEWER_DIR ?? path.join(repositoryRoot(), 'vendor', 'ohif-viewer')) },
    portal: {
      institutionName: e.OSTEON_INSTITUTION_NAME,
      pdfLanguage: e.OSTEON_PDF_LANGUAGE,
      pdfLocalesDir: e.OSTEON_PDF_LOCALES_DIR,
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
      listenerIdleTimeoutMs: e.OSTEON_MLLP_IDLE_TIMEOUT_MS,
      sweepMs: e.OSTEON_HL7_SWEEP_MS,
      embedPdf: e.OSTEON_HL7_EMBED_PDF === 'true',
      trustedSenders: trustedSenders(e),
      tls: mllpTls(e),
    },
  };
}

/** models/ next to package.json, whether running from src/config or dist/src/config. */
function defaultModelsDir(): string {
  return path.join(repositoryRoot(), 'models');
}

/** The checkout (or image) root: the nearest folder above this file with a package.json. */
function repositoryRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}
