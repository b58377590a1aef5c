import type { ByteSource } from '../storage/byte-source';
import { DatasetHeaderReader, DatasetParseError, type DatasetHeader } from './dataset-header.reader';
import { OSTEON_IMPLEMENTATION_CLASS_UID, OSTEON_IMPLEMENTATION_VERSION, TransferSyntax } from './dicom-file.constants';

const PREAMBLE_LENGTH = 128;
const MAGIC = 'DICM';
const LONG_LENGTH_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);

export interface FileMetaInformation {
  readonly mediaStorageSopClassUid: string;
  readonly mediaStorageSopInstanceUid: string;
  readonly transferSyntaxUid: string;
  readonly sourceApplicationEntityTitle?: string;
  /** (0002,0100): whose private information (0002,0102) the file carries; Osteon marks the objects it made. */
  readonly privateInformationCreatorUid?: string;
  readonly privateInformation?: string;
}

export interface ParsedFileMeta extends Partial<FileMetaInformation> {
  readonly transferSyntaxUid: string;
  /** Byte offset of the data set that follows the meta group. */
  readonly datasetOffset: number;
}

function element(group: number, elementNumber: number, vr: string, value: Buffer): Buffer {
  const long = LONG_LENGTH_VRS.has(vr);
  const header = Buffer.alloc(long ? 12 : 8);
  header.writeUInt16LE(group, 0);
  header.writeUInt16LE(elementNumber, 2);
  header.write(vr, 4, 'latin1');
  if (long) header.writeUInt32LE(value.length, 8);
  else header.writeUInt16LE(value.length, 6);
  return Buffer.concat([header, value]);
}

function padded(text: string, padding: '\0' | ' '): Buffer {
  return Buffer.from(text.length % 2 === 0 ? text : text + padding, 'latin1');
}

/**
 * Preamble, "DICM" and the group 0002 file meta information (PS3.10 7.1), always Explicit VR
 * Little Endian. The received data set bytes follow unchanged.
 */
export function buildFileMetaHeader(meta: FileMetaInformation): Buffer {
  const elements = [
    element(0x0002, 0x0001, 'OB', Buffer.from([0x00, 0x01])),
    element(0x0002, 0x0002, 'UI', padded(meta.mediaStorageSopClassUid, '\0')),
    element(0x0002, 0x0003, 'UI', padded(meta.mediaStorageSopInstanceUid, '\0')),
    element(0x0002, 0x0010, 'UI', padded(meta.transferSyntaxUid, '\0')),
    element(0x0002, 0x0012, 'UI', padded(OSTEON_IMPLEMENTATION_CLASS_UID, '\0')),
    element(0x0002, 0x0013, 'SH', padded(OSTEON_IMPLEMENTATION_VERSION, ' ')),
  ];
  if (meta.sourceApplicationEntityTitle) {
    elements.push(element(0x0002, 0x0016, 'AE', padded(meta.sourceApplicationEntityTitle, ' ')));
  }
  if (meta.privateInformationCreatorUid) {
    elements.push(element(0x0002, 0x0100, 'UI', padded(meta.privateInformationCreatorUid, '\0')));
    elements.push(element(0x0002, 0x0102, 'OB', padded(meta.privateInformation ?? '', ' ')));
  }
  const body = Buffer.concat(elements);
  const groupLength = Buffer.alloc(4);
  groupLength.writeUInt32LE(body.length, 0);
  const preamble = Buffer.alloc(PREAMBLE_LENGTH);
  return Buffer.concat([preamble, Buffer.from(MAGIC, 'latin1'), element(0x0002, 0x0000, 'UL', groupLength), body]);
}

/** Reads the file meta group of a Part 10 file; throws when the file is not Part 10. */
export async function readFileMeta(source: ByteSource): Promise<ParsedFileMeta> {
  if (source.size < PREAMBLE_LENGTH + 4 + 12) throw new DatasetParseError('file is too short for DICOM Part 10', 0);
  const headerLength = Math.min(source.size, 16 * 1024);
  const head = await source.read(0, headerLength);
  if (head.toString('latin1', PREAMBLE_LENGTH, PREAMBLE_LENGTH + 4) !== MAGIC) {
    throw new DatasetParseError('missing DICM prefix: not a DICOM Part 10 file', PREAMBLE_LENGTH);
  }
  const values = new Map<number, string>();
  let position = PREAMBLE_LENGTH + 4;
  while (position + 8 <= head.length && head.readUInt16LE(position) === 0x0002) {
    const elementNumber = head.readUInt16LE(position + 2);
    const vr = head.toString('latin1', position + 4, position + 6);
    const long = LONG_LENGTH_VRS.has(vr);
    const length = long ? head.readUInt32LE(position + 8) : head.readUInt16LE(position + 6);
    const valueOffset = position + (long ? 12 : 8);
    if (valueOffset + length > head.length) throw new DatasetParseError('file meta information is truncated', position);
    if (vr === 'UI' || vr === 'AE') {
      values.set(elementNumber, head.toString('latin1', valueOffset, valueOffset + length).replace(/[\0 ]+$/, ''));
    }
    position = valueOffset + length;
  }
  const transferSyntaxUid = values.get(0x0010);
  if (!transferSyntaxUid) throw new DatasetParseError('file meta information has no transfer syntax', position);
  return {
    transferSyntaxUid,
    datasetOffset: position,
    mediaStorageSopClassUid: values.get(0x0002),
    mediaStorageSopInstanceUid: values.get(0x0003),
    sourceApplicationEntityTitle: values.get(0x0016),
    privateInformationCreatorUid: values.get(0x0100),
  };
}

/** A Part 10 file's meta information and its data set's header (the values before Pixel Data). */
export async function readPart10Header(source: ByteSource): Promise<{ meta: ParsedFileMeta; header: DatasetHeader }> {
  const meta = await readFileMeta(source);
  const implicit = meta.transferSyntaxUid === TransferSyntax.ImplicitVrLittleEndian;
  return { meta, header: await DatasetHeaderReader.read(source, meta.datasetOffset, implicit) };
}
