import { createHash } from 'node:crypto';

/**
 * What receivers know a report by. Everything is derived from the study (its Study Instance UID)
 * and the report's sequence within the study — never from a database id — so a study read again
 * after its records were lost (a replaced disk, a restore from an old backup) updates the same
 * FHIR resources, the same RIS order and the same PACS series instead of adding new ones.
 */
export interface ReportIdentitySource {
  readonly studyInstanceUid: string;
  /** 1 for the first report of a study (absent on reports stored before sequences existed). */
  readonly sequence?: number;
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function digest(parts: ReadonlyArray<string | number>): Buffer {
  return createHash('sha256').update(parts.join('\u0000')).digest();
}

function base32(bytes: Buffer, length: number): string {
  let bits = 0;
  let value = 0;
  let text = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && text.length < length) {
      text += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    if (text.length >= length) break;
  }
  return text;
}

export function reportSequence(report: ReportIdentitySource): number {
  return report.sequence ?? 1;
}

/** The FHIR identifier value of the report (and the base of its Observations'): `<study UID>-r<sequence>`. */
export function reportKey(report: ReportIdentitySource): string {
  return `${report.studyInstanceUid}-r${reportSequence(report)}`;
}

/** The study and sequence a report key names; undefined for anything else (a legacy database id). */
export function parseReportKey(key: string): { studyInstanceUid: string; sequence: number } | undefined {
  const match = /^([0-9.]{1,64})-r(\d{1,6})$/.exec(key);
  return match ? { studyInstanceUid: match[1] as string, sequence: Number(match[2]) } : undefined;
}

/** HL7 OBR-3/ORC-3 filler order number: 18 characters, short enough for RIS fields limited to 22. */
export function fillerOrderNumber(report: ReportIdentitySource): string {
  return `OS${base32(digest(['filler', report.studyInstanceUid, reportSequence(report)]), 16)}`;
}

/**
 * HL7 MSH-10 for one version of the report's content: the same across retries and restarts, so
 * a RIS that already took the message can recognise a re-send as a duplicate (19 characters;
 * ST is at most 20 in v2.5.1).
 */
export function messageControlId(report: ReportIdentitySource, contentVersion: number): string {
  return `OS${base32(digest(['msh-10', report.studyInstanceUid, reportSequence(report), contentVersion]), 17)}`;
}

/** A DICOM UID (2.25.<128-bit decimal>, PS3.5 B.2) for one role of one report's results in the PACS. */
export function derivedUid(report: ReportIdentitySource, ...role: ReadonlyArray<string | number>): string {
  const bytes = digest(['uid', report.studyInstanceUid, reportSequence(report), ...role]).subarray(0, 16);
  return `2.25.${BigInt(`0x${bytes.toString('hex')}`).toString(10)}`;
}
