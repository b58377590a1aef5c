import { imageToDicom } from '../../src/dicom/image-to-dicom';
import { DatasetHeaderReader, DatasetParseError, Tag } from '../../src/imaging/dataset-header.reader';
import { buildFileMetaHeader, readFileMeta } from '../../src/imaging/part10';
import { isValidUid } from '../../src/imaging/uid';
import type { ByteSource } from '../../src/storage/byte-source';

function source(bytes: Buffer): ByteSource {
  return { size: bytes.length, read: async (position, length) => bytes.subarray(position, position + length) };
}

function implicitElement(tag: number, value: Buffer, length = value.length): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt16LE(tag >>> 16, 0);
  header.writeUInt16LE(tag & 0xffff, 2);
  header.writeUInt32LE(length, 4);
  return Buffer.concat([header, value]);
}

const text = (value: string): Buffer => Buffer.from(value.length % 2 ? `${value}\0` : value, 'latin1');

describe('DatasetHeaderReader', () => {
  const made = imageToDicom(
    { width: 4, height: 3, pixels: new Uint8Array(12).fill(7), lossySource: false },
    { patientId: 'P-1', patientName: 'DOE^JANE' },
    { accessionNumber: 'ACC1', bodyPartExamined: 'HAND' },
  );

  it('reads the indexed attributes of an Explicit VR file written by the DICOM wrapper', async () => {
    const meta = await readFileMeta(source(made.part10));
    expect(meta.transferSyntaxUid).toBe('1.2.840.10008.1.2.1');
    const header = await DatasetHeaderReader.read(source(made.part10), meta.datasetOffset, false);
    expect(header.values.get(Tag.SopInstanceUid)).toBe(made.sopInstanceUid);
    expect(header.values.get(Tag.StudyInstanceUid)).toBe(made.studyInstanceUid);
    expect(header.values.get(Tag.PatientId)).toBe('P-1');
    expect(header.values.get(Tag.AccessionNumber)).toBe('ACC1');
    expect(header.values.get(Tag.Rows)).toBe(3);
    expect(header.values.get(Tag.Columns)).toBe(4);
    expect(header.pixelData).toMatchObject({ encapsulated: false, length: 12 });
    expect(isValidUid(made.sopInstanceUid)).toBe(true);
  });

  it('walks an Implicit VR data set with an undefined-length sequence and encapsulated pixel data', async () => {
    const item = Buffer.concat([
      implicitElement(0xfffee000, implicitElement(0x00081150, text('1.2.3')), 0xffffffff),
      implicitElement(0xfffee00d, Buffer.alloc(0)),
    ]);
    const sequence = Buffer.concat([implicitElement(0x00081140, item, 0xffffffff), implicitElement(0xfffee0dd, Buffer.alloc(0))]);
    const fragments = Buffer.concat([
      implicitElement(0xfffee000, Buffer.alloc(0)),
      implicitElement(0xfffee000, Buffer.alloc(6, 1)),
      implicitElement(0xfffee000, Buffer.alloc(4, 2)),
      implicitElement(0xfffee0dd, Buffer.alloc(0)),
    ]);
    const dataset = Buffer.concat([
      implicitElement(Tag.SopInstanceUid, text('1.2.3.4')),
      sequence,
      implicitElement(Tag.StudyInstanceUid, text('1.2.3.5')),
      implicitElement(Tag.PixelData, fragments, 0xffffffff),
    ]);
    const header = await DatasetHeaderReader.read(source(dataset), 0, true);
    expect(header.values.get(Tag.StudyInstanceUid)).toBe('1.2.3.5');
    expect(header.pixelData?.encapsulated).toBe(true);
    expect(header.pixelData?.fragments.map((fragment) => fragment.length)).toEqual([6, 4]);
  });

  it('decodes names in the declared UTF-8 character set', async () => {
    const utf8 = imageToDicom(
      { width: 2, height: 1, pixels: new Uint8Array(2), lossySource: false },
      { patientId: 'P-2', patientName: 'Müller^Zoë Łukasz' },
    );
    const meta = await readFileMeta(source(utf8.part10));
    const header = await DatasetHeaderReader.read(source(utf8.part10), meta.datasetOffset, false);
    expect(header.values.get(Tag.PatientName)).toBe('Müller^Zoë Łukasz');
  });

  it('rejects a data set cut short in the middle of a value', async () => {
    const meta = await readFileMeta(source(made.part10));
    const cut = made.part10.subarray(0, made.part10.length - 5);
    await expect(DatasetHeaderReader.read(source(cut), meta.datasetOffset, false)).rejects.toThrow(DatasetParseError);
  });

  it('rejects attributes out of ascending order', async () => {
    const dataset = Buffer.concat([implicitElement(Tag.StudyInstanceUid, text('1.2')), implicitElement(Tag.SopInstanceUid, text('1.3'))]);
    await expect(DatasetHeaderReader.read(source(dataset), 0, true)).rejects.toThrow(/out of order/);
  });

  it('rejects an empty data set', async () => {
    await expect(DatasetHeaderReader.read(source(Buffer.alloc(0)), 0, true)).rejects.toThrow(/empty/);
  });
});

describe('Part 10 file meta', () => {
  it('round-trips the header Osteon writes in front of received bytes', async () => {
    const header = buildFileMetaHeader({
      mediaStorageSopClassUid: '1.2.840.10008.5.1.4.1.1.1',
      mediaStorageSopInstanceUid: '1.2.3',
      transferSyntaxUid: '1.2.840.10008.1.2',
      sourceApplicationEntityTitle: 'CR01',
    });
    const meta = await readFileMeta(source(Buffer.concat([header, Buffer.alloc(8)])));
    expect(meta).toMatchObject({
      transferSyntaxUid: '1.2.840.10008.1.2',
      mediaStorageSopInstanceUid: '1.2.3',
      sourceApplicationEntityTitle: 'CR01',
      datasetOffset: header.length,
    });
  });

  it('refuses a file without the DICM prefix', async () => {
    await expect(readFileMeta(source(Buffer.alloc(400)))).rejects.toThrow(/DICM/);
  });
});
