/**
 * Walks a DICOM data set (no file meta) element by element without holding it in memory:
 * values are skipped by length and only the attributes Osteon indexes are read. A walk that
 * does not land exactly on the end of the data set means it is truncated or corrupt.
 */

import { OsteonException } from '../common/osteon.exception';
import type { ByteSource } from '../storage/byte-source';

/** The bytes are not a DICOM data set Osteon can walk (truncated, out of order, not DICOM). */
export class DatasetParseError extends OsteonException<'DICOM_DATASET_UNREADABLE'> {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super('DICOM_DATASET_UNREADABLE', `${message} at byte ${offset}`, { httpStatus: 422, retryable: false });
  }
}

export interface PixelDataLocation {
  readonly offset: number;
  readonly length: number;
  readonly encapsulated: boolean;
  /** Value offsets and lengths of the encapsulated items after the basic offset table. */
  readonly fragments: ReadonlyArray<{ offset: number; length: number }>;
}

export interface DatasetHeader {
  readonly values: ReadonlyMap<number, string | number>;
  readonly pixelData: PixelDataLocation | undefined;
  readonly elementCount: number;
}

export const Tag = {
  SpecificCharacterSet: 0x00080005,
  SopClassUid: 0x00080016,
  SopInstanceUid: 0x00080018,
  StudyDate: 0x00080020,
  StudyTime: 0x00080030,
  AccessionNumber: 0x00080050,
  Modality: 0x00080060,
  StudyDescription: 0x00081030,
  SeriesDescription: 0x0008103e,
  PatientName: 0x00100010,
  PatientId: 0x00100020,
  PatientBirthDate: 0x00100030,
  PatientSex: 0x00100040,
  BodyPartExamined: 0x00180015,
  StudyInstanceUid: 0x0020000d,
  SeriesInstanceUid: 0x0020000e,
  SeriesNumber: 0x00200011,
  InstanceNumber: 0x00200013,
  SamplesPerPixel: 0x00280002,
  PhotometricInterpretation: 0x00280004,
  PlanarConfiguration: 0x00280006,
  NumberOfFrames: 0x00280008,
  Rows: 0x00280010,
  Columns: 0x00280011,
  BitsAllocated: 0x00280100,
  BitsStored: 0x00280101,
  PixelRepresentation: 0x00280103,
  WindowCenter: 0x00281050,
  WindowWidth: 0x00281051,
  RescaleIntercept: 0x00281052,
  RescaleSlope: 0x00281053,
  PixelData: 0x7fe00010,
} as const;

const UNSIGNED_SHORT_TAGS = new Set<number>([
  Tag.SamplesPerPixel,
  Tag.PlanarConfiguration,
  Tag.Rows,
  Tag.Columns,
  Tag.BitsAllocated,
  Tag.BitsStored,
  Tag.PixelRepresentation,
]);
const INDEXED_TAGS = new Set<number>(Object.values(Tag).filter((tag) => tag !== Tag.PixelData));
const LONG_LENGTH_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);
const UNDEFINED_LENGTH = 0xffffffff;
const ITEM = 0xfffee000;
const ITEM_DELIMITATION = 0xfffee00d;
const SEQUENCE_DELIMITATION = 0xfffee0dd;
const MAX_INDEXED_VALUE = 4096;
const WINDOW = 64 * 1024;

/** Buffered positional reads: element headers are tiny, values are mostly skipped. */
class WindowedReader {
  private windowStart = 0;
  private window: Buffer = Buffer.alloc(0);

  constructor(private readonly source: ByteSource) {}

  async bytes(position: number, length: number): Promise<Buffer> {
    if (position + length > this.source.size) throw new DatasetParseError('data set is truncated', position);
    const end = this.windowStart + this.window.length;
    if (position < this.windowStart || position + length > end) {
      this.windowStart = position;
      this.window = await this.source.read(position, Math.min(Math.max(length, WINDOW), this.source.size - position));
    }
    const from = position - this.windowStart;
    return this.window.subarray(from, from + length);
  }
}

interface ElementHeader {
  readonly tag: number;
  readonly vr: string | undefined;
  readonly length: number;
  readonly valueOffset: number;
}

export class DatasetHeaderReader {
  private readonly reader: WindowedReader;
  private readonly values = new Map<number, string | number>();
  private pixelData: PixelDataLocation | undefined;
  private elementCount = 0;

  private constructor(
    private readonly source: ByteSource,
    private readonly start: number,
    private readonly implicitVr: boolean,
  ) {
    this.reader = new WindowedReader(source);
  }

  static async read(source: ByteSource, start: number, implicitVr: boolean): Promise<DatasetHeader> {
    const walker = new DatasetHeaderReader(source, start, implicitVr);
    return walker.walkTopLevel();
  }

  private async walkTopLevel(): Promise<DatasetHeader> {
    let position = this.start;
    let previousTag = -1;
    if (position >= this.source.size) throw new DatasetParseError('data set is empty', position);
    while (position < this.source.size) {
      const element = await this.readElementHeader(position, this.implicitVr);
      if (element.tag >>> 16 === 0xfffe) throw new DatasetParseError('unexpected item tag at top level', position);
      if (element.tag <= previousTag) throw new DatasetParseError('attributes out of order', position);
      previousTag = element.tag;
      this.elementCount += 1;
      position = await this.consumeValue(element, this.implicitVr, true);
    }
    return { values: this.values, pixelData: this.pixelData, elementCount: this.elementCount };
  }

  private async readElementHeader(position: number, implicitVr: boolean): Promise<ElementHeader> {
    const head = await this.reader.bytes(position, 8);
    const tag = ((head.readUInt16LE(0) << 16) | head.readUInt16LE(2)) >>> 0;
    if (implicitVr || tag >>> 16 === 0xfffe) {
      return { tag, vr: undefined, length: head.readUInt32LE(4), valueOffset: position + 8 };
    }
    const vr = head.toString('latin1', 4, 6);
    if (!/^[A-Z]{2}$/.test(vr)) throw new DatasetParseError('invalid value representation', position + 4);
    if (LONG_LENGTH_VRS.has(vr)) {
      const long = await this.reader.bytes(position + 8, 4);
      return { tag, vr, length: long.readUInt32LE(0), valueOffset: position + 12 };
    }
    return { tag, vr, length: head.readUInt16LE(6), valueOffset: position + 8 };
  }

  private async consumeValue(element: ElementHeader, implicitVr: boolean, topLevel: boolean): Promise<number> {
    if (element.length === UNDEFINED_LENGTH) {
      if (element.tag === Tag.PixelData && topLevel) return this.consumeEncapsulatedPixelData(element);
      // An undefined-length UN holds an implicit VR sequence (PS3.5 6.2.2).
      return this.consumeSequence(element.valueOffset, implicitVr || element.vr === 'UN');
    }
    const end = element.valueOffset + element.length;
    if (end > this.source.size) throw new DatasetParseError('value runs past the end of the data set', element.valueOffset);
    if (topLevel) await this.keepIndexedValue(element);
    return end;
  }

  private async keepIndexedValue(element: ElementHeader): Promise<void> {
    if (element.tag === Tag.PixelData) {
      this.pixelData = { offset: element.valueOffset, length: element.length, encapsulated: false, fragments: [] };
      return;
    }
    if (!INDEXED_TAGS.has(element.tag) || element.length > MAX_INDEXED_VALUE) return;
    const raw = await this.reader.bytes(element.valueOffset, element.length);
    if (UNSIGNED_SHORT_TAGS.has(element.tag)) {
      if (element.length >= 2) this.values.set(element.tag, raw.readUInt16LE(0));
      return;
    }
    // Specific Character Set precedes every text attribute: UTF-8 (ISO_IR 192) or Latin-1.
    const charset = this.values.get(Tag.SpecificCharacterSet);
    const encoding = typeof charset === 'string' && charset.includes('ISO_IR 192') ? 'utf8' : 'latin1';
    const text = raw
      .toString(encoding)
      .replace(/[\0 ]+$/, '')
      .replace(/^ +/, '');
    if (text.length > 0) this.values.set(element.tag, text);
  }

  private async consumeSequence(position: number, implicitVr: boolean): Promise<number> {
    let cursor = position;
    for (;;) {
      const item = await this.readElementHeader(cursor, true);
      if (item.tag === SEQUENCE_DELIMITATION) return item.valueOffset;
      if (item.tag !== ITEM) throw new DatasetParseError('expected a sequence item', cursor);
      if (item.length !== UNDEFINED_LENGTH) {
        cursor = item.valueOffset + item.length;
        if (cursor > this.source.size) throw new DatasetParseError('item runs past the end of the data set', item.valueOffset);
        continue;
      }
      cursor = item.valueOffset;
      for (;;) {
        const nested = await this.readElementHeader(cursor, implicitVr);
        if (nested.tag === ITEM_DELIMITATION) {
          cursor = nested.valueOffset;
          break;
        }
        cursor = await this.consumeValue(nested, implicitVr, false);
      }
    }
  }

  private async consumeEncapsulatedPixelData(element: ElementHeader): Promise<number> {
    const fragments: Array<{ offset: number; length: number }> = [];
    let cursor = element.valueOffset;
    let isOffsetTable = true;
    for (;;) {
      const item = await this.readElementHeader(cursor, true);
      if (item.tag === SEQUENCE_DELIMITATION) {
        if (fragments.length === 0) throw new DatasetParseError('encapsulated pixel data has no fragment', cursor);
        this.pixelData = { offset: element.valueOffset, length: UNDEFINED_LENGTH, encapsulated: true, fragments };
        return item.valueOffset;
      }
      if (item.tag !== ITEM || item.length === UNDEFINED_LENGTH) {
        throw new DatasetParseError('invalid encapsulated pixel data item', cursor);
      }
      const end = item.valueOffset + item.length;
      if (end > this.source.size) throw new DatasetParseError('pixel data fragment is truncated', item.valueOffset);
      if (!isOffsetTable) fragments.push({ offset: item.valueOffset, length: item.length });
      isOffsetTable = false;
      cursor = end;
    }
  }
}
