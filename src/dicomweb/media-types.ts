/**
 * Accept header negotiation for DICOMweb (PS3.18 8.7): which representation a client takes.
 * Pure functions; the services decide what they can offer.
 */

export interface MediaRange {
  /** Lower case, e.g. `multipart/related`, `application/dicom`, `*\/*`. */
  readonly type: string;
  /** Lower-case parameter names; values unquoted. */
  readonly parameters: Readonly<Record<string, string>>;
  readonly quality: number;
}

/** The ranges of an Accept header, best first (absent header: anything). */
export function parseAccept(header: string | undefined): MediaRange[] {
  if (header === undefined || header.trim() === '') return [{ type: '*/*', parameters: {}, quality: 1 }];
  const ranges = splitOutsideQuotes(header, ',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map(parseRange);
  return ranges.filter((range) => range.quality > 0).sort((a, b) => b.quality - a.quality);
}

function parseRange(text: string): MediaRange {
  const [type = '', ...rest] = splitOutsideQuotes(text, ';').map((part) => part.trim());
  const parameters: Record<string, string> = {};
  let quality = 1;
  for (const parameter of rest) {
    const equals = parameter.indexOf('=');
    if (equals <= 0) continue;
    const name = parameter.slice(0, equals).trim().toLowerCase();
    const value = unquote(parameter.slice(equals + 1).trim());
    if (name === 'q') {
      const parsed = Number.parseFloat(value);
      quality = Number.isFinite(parsed) ? Math.min(1, Math.max(0, parsed)) : 1;
    } else {
      parameters[name] = name === 'type' ? value.toLowerCase() : value;
    }
  }
  return { type: type.toLowerCase(), parameters, quality };
}

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
}

function splitOutsideQuotes(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (const character of text) {
    if (character === '"') quoted = !quoted;
    if (character === separator && !quoted) {
      parts.push(current);
      current = '';
    } else {
      current += character;
    }
  }
  parts.push(current);
  return parts;
}

/** Does a range (e.g. `image/*`) admit a concrete media type? */
export function admits(range: MediaRange, mediaType: string): boolean {
  if (range.type === '*/*' || range.type === mediaType) return true;
  return range.type.endsWith('/*') && mediaType.startsWith(range.type.slice(0, -1));
}

/** The media type inside `multipart/related` (its `type` parameter), or the range itself for a single part. */
export function partType(range: MediaRange, defaultType: string): string {
  if (range.type === 'multipart/related') return range.parameters.type ?? defaultType;
  return range.type;
}

/** Media types of the compressed transfer syntaxes Osteon stores (PS3.18 Table 8.7.3-2, frames). */
export const FRAME_MEDIA_TYPES: Readonly<Record<string, string>> = {
  '1.2.840.10008.1.2.4.50': 'image/jpeg',
  '1.2.840.10008.1.2.4.70': 'image/jpeg',
  '1.2.840.10008.1.2.4.80': 'image/jls',
  '1.2.840.10008.1.2.4.90': 'image/jp2',
  '1.2.840.10008.1.2.4.91': 'image/jp2',
  '1.2.840.10008.1.2.5': 'image/x-dicom-rle',
};

export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
export const IMPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2';

export function isNativeSyntax(transferSyntaxUid: string): boolean {
  return transferSyntaxUid === EXPLICIT_VR_LITTLE_ENDIAN || transferSyntaxUid === IMPLICIT_VR_LITTLE_ENDIAN;
}

/** How a retrieve answers: the stored Part 10 files as parts of `multipart/related`, or one file alone. */
export type InstancesForm = 'multipart' | 'single';

/**
 * Instances (PS3.18 8.7.3.5): the stored bytes, never transcoded. Without a transfer-syntax
 * parameter the stored syntax is sent (as Orthanc and dcm4chee do); a named syntax must be the
 * stored one of every instance; `application/dicom` alone only for a single instance.
 */
export function negotiateInstances(
  accept: readonly MediaRange[],
  storedSyntaxes: readonly string[],
  single: boolean,
): InstancesForm | undefined {
  for (const range of accept) {
    const syntax = range.parameters['transfer-syntax'];
    const syntaxOk = syntax === undefined || syntax === '*' || storedSyntaxes.every((stored) => stored === syntax);
    if (!syntaxOk) continue;
    if (range.type === '*/*' || range.type === 'multipart/*') return 'multipart';
    if (range.type === 'multipart/related' && ['application/dicom', '*/*', undefined].includes(range.parameters.type)) return 'multipart';
    if (range.type === 'application/dicom' && single) return 'single';
  }
  return undefined;
}

/** Metadata (PS3.18 8.7.3.3): DICOM JSON only (no XML). */
export function acceptsDicomJson(accept: readonly MediaRange[]): boolean {
  return accept.some((range) => ['application/dicom+json', 'application/json'].some((type) => admits(range, type)));
}

export interface FrameForm {
  /** `stored`: the bytes as stored (native, or the compressed bitstream); `uncompressed`: decoded to native. */
  readonly form: 'stored' | 'uncompressed';
  readonly contentType: string;
}

/** Frames (PS3.18 8.7.3.5.3): the stored syntax, or uncompressed when the client asks for octet-stream without one. */
export function negotiateFrames(accept: readonly MediaRange[], storedSyntax: string): FrameForm | undefined {
  const native = isNativeSyntax(storedSyntax);
  const storedType = native ? 'application/octet-stream' : (FRAME_MEDIA_TYPES[storedSyntax] ?? 'application/octet-stream');
  const stored: FrameForm = {
    form: 'stored',
    contentType: `${storedType}; transfer-syntax=${native ? EXPLICIT_VR_LITTLE_ENDIAN : storedSyntax}`,
  };
  const uncompressed: FrameForm = {
    form: native ? 'stored' : 'uncompressed',
    contentType: `application/octet-stream; transfer-syntax=${EXPLICIT_VR_LITTLE_ENDIAN}`,
  };
  for (const range of accept) {
    const syntax = range.parameters['transfer-syntax'];
    const type = partType(range, 'application/octet-stream');
    if (range.type === '*/*' || type === '*/*' || range.type === 'multipart/*') return stored;
    if (range.type !== 'multipart/related' && range.type !== 'application/octet-stream' && !range.type.startsWith('image/')) continue;
    if (type === 'application/octet-stream') {
      if (syntax === '*') return stored;
      if (syntax === undefined || syntax === EXPLICIT_VR_LITTLE_ENDIAN) return uncompressed;
      if (syntax === storedSyntax) return stored;
      continue;
    }
    if (!native && type === storedType && (syntax === undefined || syntax === '*' || syntax === storedSyntax)) return stored;
  }
  return undefined;
}

export type RenderedType = 'image/jpeg' | 'image/png';

/** Rendered and thumbnail (PS3.18 8.7.4): JPEG unless the client prefers PNG. */
export function negotiateRendered(accept: readonly MediaRange[]): RenderedType | undefined {
  for (const range of accept) {
    if (range.type === 'image/png') return 'image/png';
    if (admits(range, 'image/jpeg')) return 'image/jpeg';
  }
  return undefined;
}
