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
  // `auto` and `emulator` are the names earlier releases used for the embedded database.
  OSTEON_EMBEDDED_DB: z
    .enum(['embedded', 'mongod', 'auto', 'emulator'])
    .default('embedded')
    .transform((value) => (value === 'mongod' ? 'mongod' : 'embedded')),
  OSTEON_DB_COMPACT_MB: z.coerce.number().int().min(1).max(4096).default(64),
  OSTEON_ALLOWED_AE: commaList.pipe(z.array(aeTitle)),
  OSTEON_MAX_PDU_LENGTH: z.coerce.number().int().min(4096).max(4_194_304).default(262_144),
  OSTEON_DICOM_ASSOCIATION_TIMEOUT_MS: z.coerce.number().int().min(1000).default(60_000),
  /** A connection that sends no association request within this time is closed (DICOM ARTIM). */
  OSTEON_DICOM_ARTIM_TIMEOUT_MS: z.coerce.number().int().min(1000).default(30_000),
  /** Largest image (rows x columns) accepted by C-STORE and upload, checked from the header before decoding. */
  OSTEON_MAX_IMAGE_PIXELS: z.coerce.number().int().min(65_536).max(500_000_000).default(50_000_000),
  /** Analysis and rendering wait while images arrive: this long after the last one ... */
  OSTEON_RECEIVE_PRIORITY_QUIET_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  /** ... but never longer than this in one burst (0: receiving has no priority). */
  OSTEON_RECEIVE_PRIORITY_MAX_MS: z.coerce.number().int().min(0).max(3_600_000).default(60_000),
  /** Threads that read images (the model, the pixel decoder) run at this nice value; receiving stays at 0. */
  OSTEON_READ_NICE: z.coerce.number().int().min(0).max(19).default(10),
  OSTEON_STUDY_IDLE_MS: z.coerce.number().int().min(0).max(600_000).default(3000),
  OSTEON_JOB_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(200),
  OSTEON_JOB_LEASE_MS: z.coerce.number().int().min(1000).default(60_000),
  OSTEON_JOB_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(6),
  OSTEON_JOB_BACKOFF_MS: z.coerce.number().int().min(10).default(2000),
  /**
   * The longest wait between two attempts of a job (back-off doubles up to this): also the longest
   * a delivery waits after its receiver is back (then a success wakes the rest of the channel).
   */
  OSTEON_JOB_BACKOFF_MAX_MS: z.coerce.number().int().min(10).max(3_600_000).default(120_000),
  /** A delivery is retried for this long (hours, fractions allowed) before it is dead-lettered. */
  OSTEON_DELIVERY_MAX_AGE_HOURS: z.coerce.number().positive().max(8760).default(72),
  /** Per-channel maximum ages (hours); default OSTEON_DELIVERY_MAX_AGE_HOURS. */
  OSTEON_FHIR_MAX_AGE_HOURS: z.coerce.number().positive().max(8760).optional(),
  OSTEON_HL7_MAX_AGE_HOURS: z.coerce.number().positive().max(8760).optional(),
  OSTEON_PACS_MAX_AGE_HOURS: z.coerce.number().positive().max(8760).optional(),
  OSTEON_PORTAL_MAX_AGE_HOURS: z.coerce.number().positive().max(8760).optional(),
  /** A channel failing this long is reported down (before that: retrying). */
  OSTEON_CHANNEL_DOWN_AFTER_MS: z.coerce.number().int().min(1000).default(120_000),
  OSTEON_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(2),
  /**
   * Of those, how many may read images at once (analysis, shadow analysis, archiving results): each
   * holds a decoded image. 1 lowers the peak memory while a burst is read, and delays its drafts.
   * Default: no cap beyond OSTEON_WORKER_CONCURRENCY.
   */
  OSTEON_READ_CONCURRENCY: z.coerce.number().int().min(1).max(16).optional(),
  /**
   * Megapixels the jobs reading images may hold decoded at once (ImageMemoryBudget): two small studies
   * are read side by side, two 10-megapixel ones one after the other. One larger image runs alone.
   */
  OSTEON_READ_MEGAPIXELS: z.coerce.number().positive().max(10_000).default(12),
  OSTEON_WORKER_ID: z.string().min(1).max(128).optional(),
  OSTEON_URGENT_BODY_PARTS: commaList.pipe(z.array(z.enum(['hand', 'leg', 'hip', 'shoulder']))).default('hip'),
  OSTEON_URGENT_MIN_COUNT: z.enum(['1', '2+', 'never']).default('2+'),
  OSTEON_TRAINER_COMMAND: z
    .string()
    .min(1)
    .default(
      '/usr/bin/python3 training/train.py {data} --out {run} --finetune-from {active} --epochs 3 --lr 0.0003 --first-data-share 0.2 --seed 42 --cache-dir ""',
    ),
  OSTEON_TRAINER_TIMEOUT_MINUTES: z.coerce.number().int().min(1).default(180),
  OSTEON_BASE_DATASET_DIR: z.string().min(1).optional(),
  OSTEON_EVAL_DIR: z.string().min(1).optional(),
  OSTEON_RETRAIN_MIN_LABELS: z.coerce.number().int().min(1).default(200),
  OSTEON_RETRAIN_CHECK_MINUTES: z.coerce.number().int().min(0).default(60),
  OSTEON_RETRAIN_HOLDOUT_FRACTION: z.coerce.number().min(0).max(0.9).default(0.2),
  OSTEON_GATE_AUROC_MARGIN: z.coerce.number().min(0).max(1).default(0.02),
  OSTEON_GATE_SENSITIVITY_FLOOR: z.coerce.number().min(0).max(1).default(0.9),
  OSTEON_MODEL_SYNC_SECONDS: z.coerce.number().int().min(0).default(15),
  OSTEON_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // Read by the logger itself (it exists before the configuration); validated here so a typo stops the start.
  OSTEON_LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  /** HS256 signing key for access tokens; required in production (see app-config.ts). */
  OSTEON_JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** Bootstrap credential: `Authorization: Bearer <key>` acts as role operator. */
  OSTEON_OPERATOR_API_KEY: z.string().min(24, 'must be at least 24 characters').optional(),
  OSTEON_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(604_800).default(28_800),
  /** Failed logins of one account, and from one source address, within the window before it is locked out. */
  OSTEON_LOGIN_ACCOUNT_FAILURES: z.coerce.number().int().min(1).max(1000).default(5),
  OSTEON_LOGIN_ADDRESS_FAILURES: z.coerce.number().int().min(1).max(100_000).default(20),
  OSTEON_LOGIN_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
  OSTEON_LOGIN_LOCKOUT_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
  /** Folder with current.json and the model files it names; default: models/ in the repository. */
  OSTEON_MODELS_DIR: z.string().min(1).optional(),
  OSTEON_INFERENCE_THREADS: z.coerce.number().int().min(1).max(64).default(2),
  /** Per-site operating point; overrides the model card's threshold. */
  OSTEON_FRACTURE_THRESHOLD: z.coerce.number().gt(0, 'must be above 0').max(1).optional(),
  // --- dicomweb and the viewer (src/dicomweb, src/viewer) ---
  /** A STOW-RS body larger than this is refused with 413 before it is read. */
  OSTEON_DICOMWEB_MAX_STOW_MB: z.coerce.number().int().min(1).max(65_536).default(512),
  /** The built OHIF viewer (its dist/); default: vendor/ohif-viewer, fetched by `npm ci`. */
  OSTEON_VIEWER_DIR: z.string().min(1).optional(),
  // --- portal: patient PDF and portal delivery (src/portal) ---
  /** Shown at the top of every patient PDF. */
  OSTEON_INSTITUTION_NAME: z.string().trim().min(1).max(120).default('Emergency Department Radiology'),
  /** The patient PDF's language when the patient has not chosen one (en, de, or one in OSTEON_PDF_LOCALES_DIR). */
  OSTEON_PDF_LANGUAGE: z
    .string()
    .regex(/^[a-z]{2}$/, 'must be a two-letter language code')
    .default('en'),
  /** A folder of <lang>.json files whose texts override or add to the shipped PDF languages. */
  OSTEON_PDF_LOCALES_DIR: z.string().min(1).optional(),
  /** Patient portal webhook; the portal channel is off unless set. */
  OSTEON_PORTAL_URL: z.string().url().optional(),
  /** HMAC-SHA256 key for the webhook signature; required with OSTEON_PORTAL_URL. */
  OSTEON_PORTAL_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** How long a patient link (/portal/:token) works; fractions allowed. */
  OSTEON_PORTAL_LINK_TTL_HOURS: z.coerce.number().positive().max(8760).default(720),
  /** Public origin the patient reaches the engine at, for absolute links (else a path). */
  OSTEON_PORTAL_PUBLIC_URL: z.string().url().optional(),
  OSTEON_PORTAL_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  OSTEON_PORTAL_SWEEP_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  // --- pacs: results back into the PACS as DICOM (src/pacs) ---
  /** Called AE title, host and port of the PACS; the PACS channel is off unless all three are set. */
  OSTEON_PACS_AE: aeTitle.optional(),
  OSTEON_PACS_HOST: z.string().min(1).optional(),
  OSTEON_PACS_PORT: port.optional(),
  /** Calling AE title towards the PACS; default OSTEON_AE_TITLE. */
  OSTEON_PACS_CALLING_AE: aeTitle.optional(),
  OSTEON_PACS_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  OSTEON_PACS_SWEEP_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  // --- hl7: ORU^R01 to the RIS, orders and final results from the RIS over MLLP (src/hl7) ---
  /** RIS MLLP listener for results; the outbound HL7 channel is off unless both are set. */
  OSTEON_RIS_HOST: z.string().min(1).optional(),
  OSTEON_RIS_PORT: port.optional(),
  /** Osteon's own MLLP listener for orders and final results; off unless the port is set. */
  OSTEON_MLLP_HOST: z.string().min(1).default('127.0.0.1'),
  OSTEON_MLLP_PORT: port.optional(),
  /** Who may send orders and verdicts: `MSH-3^MSH-4@address` (address: IP, CIDR or *; facility may be *), comma-separated. */
  OSTEON_HL7_TRUSTED_SENDERS: commaList,
  /** MLLP over TLS: server certificate and key (PEM files); with a CA file, clients must present a certificate it signed. */
  OSTEON_MLLP_TLS_CERT: z.string().min(1).optional(),
  OSTEON_MLLP_TLS_KEY: z.string().min(1).optional(),
  OSTEON_MLLP_TLS_CA: z.string().min(1).optional(),
  OSTEON_HL7_SENDING_APP: z.string().trim().min(1).max(180).default('OSTEON'),
  OSTEON_HL7_SENDING_FACILITY: z.string().trim().min(1).max(180).default('OSTEON'),
  OSTEON_RIS_APP: z.string().trim().min(1).max(180).default('RIS'),
  OSTEON_RIS_FACILITY: z.string().trim().min(1).max(180).default('RIS'),
  OSTEON_HL7_ACK_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  /** The MLLP listener closes a connection idle (or stuck in half a frame) for this long. */
  OSTEON_MLLP_IDLE_TIMEOUT_MS: z.coerce.number().int().min(1000).max(86_400_000).default(60_000),
  OSTEON_HL7_SWEEP_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  /** Signed results carry the patient PDF as an OBX of type ED (base64); off: text and codes only. */
  OSTEON_HL7_EMBED_PDF: z.enum(['true', 'false']).default('false'),
  // --- fhir: DiagnosticReport drafts to the hospital FHIR server, verdicts back (src/fhir) ---
  /** FHIR R4 base URL; the FHIR channel (delivery and poll) is off unless set. */
  OSTEON_FHIR_URL: z.string().url().optional(),
  /** Bearer token; or basic auth with USERNAME + PASSWORD. */
  OSTEON_FHIR_TOKEN: z.string().min(1).optional(),
  OSTEON_FHIR_USERNAME: z.string().min(1).optional(),
  OSTEON_FHIR_PASSWORD: z.string().min(1).optional(),
  /** How often doctors' changes are pulled from the server (seconds; fractions allowed). */
  OSTEON_FHIR_POLL_SECONDS: z.coerce.number().min(0.1).max(86_400).default(30),
  OSTEON_FHIR_SWEEP_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  OSTEON_FHIR_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(15_000),
  /** Base of the identifier systems Osteon writes (report, observation, model, codes); set per site. */
  OSTEON_FHIR_SYSTEM: z
    .string()
    .regex(/^(urn:[a-z0-9.-]+:|https?:\/\/\S+\/)$/i, 'must be a urn ending in ":" or an http(s) URL ending in "/"')
    .default('urn:osteon:'),
  /** Identifier system of the hospital patient id (MRN); default: an Osteon-local system. */
  OSTEON_FHIR_PATIENT_ID_SYSTEM: z.string().min(1).default('urn:osteon:patient-id'),
});

export type Environment = z.infer<typeof environmentSchema>;

/** Variables whose value must never appear in an error message or a log line. */
export const SECRET_VARIABLES: ReadonlySet<string> = new Set([
  'OSTEON_JWT_SECRET',
  'OSTEON_OPERATOR_API_KEY',
  'MONGODB_URI',
  'OSTEON_PORTAL_SECRET',
  'OSTEON_FHIR_TOKEN',
  'OSTEON_FHIR_PASSWORD',
]);
