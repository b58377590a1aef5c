import { z } from 'zod';

const port = z.coerce.number().int().min(1).max(65535);
const aeTitle = z
  .string()
  .trim()
  .min(1)
  .max(16)
  .regex(/^[\x20-\x5b\x5d-\x7e]+$/, 'must be 1-16 printable characters without backslash');
const commaList = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0),
  );

/**
 * Every environment variable Osteon reads, declared once with its type and default.
 * Names are the public contract documented in README.md.
 */
export const environmentSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  OSTEON_AE_TITLE: aeTitle.default('OSTEON'),
  OSTEON_DICOM_HOST: z.string().min(1).default('127.0.0.1'),
  OSTEON_DICOM_PORT: port.default(11112),
  OSTEON_HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  OSTEON_HTTP_PORT: port.default(3000),
  OSTEON_DATA_DIR: z.string().min(1).default('./data'),
  MONGODB_URI: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://')
    .optional(),
  OSTEON_MONGODB_DATABASE: z.string().min(1).default('osteon'),
  OSTEON_EMBEDDED_DB: z.enum(['auto', 'mongod', 'emulator']).default('auto'),
  OSTEON_ALLOWED_AE: commaList.pipe(z.array(aeTitle)),
  OSTEON_MAX_PDU_LENGTH: z.coerce.number().int().min(4096).max(4_194_304).default(262_144),
  OSTEON_DICOM_ASSOCIATION_TIMEOUT_MS: z.coerce.number().int().min(1000).default(60_000),
  OSTEON_STUDY_IDLE_MS: z.coerce.number().int().min(0).max(600_000).default(3000),
  OSTEON_JOB_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(200),
  OSTEON_JOB_LEASE_MS: z.coerce.number().int().min(1000).default(60_000),
  OSTEON_JOB_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(6),
  OSTEON_JOB_BACKOFF_MS: z.coerce.number().int().min(10).default(2000),
  OSTEON_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(2),
  OSTEON_WORKER_ID: z.string().min(1).max(128).optional(),
  OSTEON_URGENT_BODY_PARTS: commaList.pipe(z.array(z.enum(['hand', 'leg', 'hip', 'shoulder']))).default('hip'),
  OSTEON_URGENT_MIN_COUNT: z.enum(['1', '2+', 'never']).default('2+'),
  OSTEON_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** HS256 signing key for access tokens; required in production (see app-config.ts). */
  OSTEON_JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** Bootstrap credential: `Authorization: Bearer <key>` acts as role operator. */
  OSTEON_OPERATOR_API_KEY: z.string().min(24, 'must be at least 24 characters').optional(),
  OSTEON_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(604_800).default(28_800),
  /** Folder with current.json and the model files it names; default: models/ in the repository. */
  OSTEON_MODELS_DIR: z.string().min(1).optional(),
  OSTEON_INFERENCE_THREADS: z.coerce.number().int().min(1).max(64).default(2),
  /** Per-site operating point; overrides the model card's threshold. */
  OSTEON_FRACTURE_THRESHOLD: z.coerce.number().gt(0, 'must be above 0').max(1).optional(),
});

export type Environment = z.infer<typeof environmentSchema>;

/** Variables whose value must never appear in an error message or a log line. */
export const SECRET_VARIABLES: ReadonlySet<string> = new Set(['OSTEON_JWT_SECRET', 'OSTEON_OPERATOR_API_KEY', 'MONGODB_URI']);
