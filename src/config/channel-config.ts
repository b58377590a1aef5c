import { isIP } from 'node:net';
import type { AppConfig } from './app-config';
import { ConfigError } from './config.exception';
import type { Environment } from './config.schema';

/** One system allowed to send orders and verdicts over MLLP: MSH-3, MSH-4 and the address it connects from. */
export interface TrustedSender {
  readonly application: string;
  /** `*`: any sending facility. */
  readonly facility: string;
  /** An IP address, a CIDR block (`10.1.0.0/16`), or `*` for any address. */
  readonly address: string;
}

/** `RIS^RADIOLOGY@10.1.2.3`, `RIS^*@10.1.0.0/16`, `RIS^RADIOLOGY@*`. */
export function trustedSenders(e: Environment): TrustedSender[] {
  return e.OSTEON_HL7_TRUSTED_SENDERS.map((entry) => {
    const match = /^([^^@]+)\^([^^@]+)@(.+)$/.exec(entry);
    const address = match?.[3]?.trim() ?? '';
    const [ip, bits] = address.split('/');
    const validAddress =
      address === '*' ||
      (isIP(ip ?? '') !== 0 && (bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (isIP(ip ?? '') === 4 ? 32 : 128))));
    if (!match || !validAddress) {
      throw new ConfigError(
        `Invalid configuration: OSTEON_HL7_TRUSTED_SENDERS entry ${JSON.stringify(entry)} is not APPLICATION^FACILITY@ADDRESS (address: IP, CIDR or *)`,
      );
    }
    return { application: (match[1] as string).trim(), facility: (match[2] as string).trim(), address };
  });
}

/** Certificate and key together, or neither; a CA alone (without a server certificate) is a mistake. */
export function mllpTls(e: Environment): AppConfig['hl7']['tls'] {
  if (!e.OSTEON_MLLP_TLS_CERT && !e.OSTEON_MLLP_TLS_KEY) {
    if (e.OSTEON_MLLP_TLS_CA)
      throw new ConfigError('Invalid configuration: OSTEON_MLLP_TLS_CA needs OSTEON_MLLP_TLS_CERT and OSTEON_MLLP_TLS_KEY');
    return undefined;
  }
  if (!e.OSTEON_MLLP_TLS_CERT || !e.OSTEON_MLLP_TLS_KEY) {
    throw new ConfigError('Invalid configuration: OSTEON_MLLP_TLS_CERT and OSTEON_MLLP_TLS_KEY must be set together');
  }
  return { certFile: e.OSTEON_MLLP_TLS_CERT, keyFile: e.OSTEON_MLLP_TLS_KEY, caFile: e.OSTEON_MLLP_TLS_CA };
}

export function fhirConfig(e: Environment): AppConfig['fhir'] {
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

export function pacsConfig(e: Environment): AppConfig['pacs'] {
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
export function risTarget(e: Environment): AppConfig['hl7']['ris'] {
  if (e.OSTEON_RIS_HOST === undefined && e.OSTEON_RIS_PORT === undefined) return undefined;
  if (e.OSTEON_RIS_HOST === undefined || e.OSTEON_RIS_PORT === undefined) {
    throw new ConfigError('Invalid configuration: OSTEON_RIS_HOST and OSTEON_RIS_PORT must be set together');
  }
  return { host: e.OSTEON_RIS_HOST, port: e.OSTEON_RIS_PORT };
}

/** How long each channel's deliveries are retried; a channel without its own setting takes the default. */
export function deliveryMaxAges(e: Environment): AppConfig['deliveries']['maxAgeMs'] {
  const hours = (own: number | undefined): number => Math.round((own ?? e.OSTEON_DELIVERY_MAX_AGE_HOURS) * 3_600_000);
  return {
    default: hours(undefined),
    fhir: hours(e.OSTEON_FHIR_MAX_AGE_HOURS),
    'fhir-document': hours(e.OSTEON_FHIR_MAX_AGE_HOURS),
    hl7: hours(e.OSTEON_HL7_MAX_AGE_HOURS),
    pacs: hours(e.OSTEON_PACS_MAX_AGE_HOURS),
    portal: hours(e.OSTEON_PORTAL_MAX_AGE_HOURS),
  };
}
