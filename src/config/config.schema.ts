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
  OSTEON_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Environment = z.infer<typeof environmentSchema>;
