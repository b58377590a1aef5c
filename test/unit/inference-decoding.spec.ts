import fs from 'node:fs/promises';
import path from 'node:path';
import { decodeToGrey, initialiseCodecs } from '../../src/imaging/dicom-pixel.decoder';
import { readPixelFrame } from '../../src/imaging/dicom-pixel.reader';
import type { GreyPixels } from '../../src/imaging/grey-image';
import { ImagingErrorCode } from '../../src/imaging/imaging.exception';
import { dcmtk } from '../support/dcmtk';
import { convertSyntax, FIXTURE_IMAGES, makeInstance, type SyntaxName } from '../support/dicom-fixtures';
import { bufferSource, fileSource, fixtureGrey, pixelDataset, uint16Bytes } from '../support/pixel-fixtures';
import { tempWorkspace } from '../support/workspace';

const IMAGE = 'IMG0000188.jpg';
const LOSSLESS: SyntaxName[] = ['implicit', 'explicit', 'jpeg-lossless', 'jpeg-ls', 'jpeg2000', 'rle'];

async function decodeFile(file: string): Promise<GreyPixels> {
  return decodeToGrey(await readPixelFrame(await fileSource(file)));
}

async function decodeBytes(bytes: Buffer): Promise<GreyPixels> {
  return decodeToGrey(await readPixelFrame(bufferSource(bytes)));
}

function differences(a: GreyPixels, b: GreyPixels): { max: number; mean: number } {
  expect([a.width, a.height]).toEqual([b.width, b.height]);
  let max = 0;
  let sum = 0;
  for (let i = 0; i < a.pixels.length; i += 1) {
    const d = Math.abs(a.pixels[i]! - b.pixels[i]!);
    max = Math.max(max, d);
    sum += d;
  }
  return { max, mean: sum / a.pixels.length };
}

async function must(tool: string, args: string[]): Promise<void> {
  const result = await dcmtk(tool, args);
  if (result.code !== 0) throw new Error(`${tool} failed: ${result.output}`);
}

describe('DICOM pixel decoding to 8-bit grey', () => {
  let workspace: { dir: string; cleanup: () => Promise<void> };
  let source: GreyPixels;
  const file = (name: string): string => path.join(workspace.dir, `${name}.dcm`);

  beforeAll(async () => {
    workspace = await tempWorkspace('decoding');
    source = await fixtureGrey(path.join(FIXTURE_IMAGES, IMAGE));
    await makeInstance(IMAGE, file('explicit'), { patientId: 'PIXELS' });
    for (const syntax of [...LOSSLESS, 'jpeg-baseline'] as SyntaxName[]) {
      if (syntax !== 'explicit') await convertSyntax(file('explicit'), file(syntax), syntax);
    }
    await must('gdcmconv', ['--j2k', '--lossy', '--irreversible', '-q', '40', file('explicit'), file('jpeg2000-lossy')]);
    await initialiseCodecs();
  });

  afterAll(async () => {
    await workspace?.cleanup();
  });

  it.each(LOSSLESS)('decodes %s exactly to the source pixels', async (syntax) => {
    const decoded = await decodeFile(file(syntax));
    expect(differences(decoded, source)).toEqual({ max: 0, mean: 0 });
  });

  it('decodes JPEG Baseline (4.50) close to the source', async () => {
    const { max, mean } = differences(await decodeFile(file('jpeg-baseline')), source);
    expect(mean).toBeLessThan(1.5);
    expect(max).toBeLessThan(40);
  });

  it('decodes lossy JPEG 2000 (4.91) close to the source', async () => {
    const { max, mean } = differences(await decodeFile(file('jpeg2000-lossy')), source);
    expect(mean).toBeLessThan(3);
    expect(max).toBeLessThan(80);
  });

  it('inverts MONOCHROME1', async () => {
    await fs.copyFile(file('explicit'), file('mono1'));
    await must('dcmodify', ['-nb', '-m', '(0028,0004)=MONOCHROME1', file('mono1')]);
    const decoded = await decodeFile(file('mono1'));
    expect(Array.from(decoded.pixels.subarray(0, 4096))).toEqual(Array.from(source.pixels.subarray(0, 4096), (v) => 255 - v));
    expect(differences(decoded, { ...source, pixels: source.pixels.map((v) => 255 - v) }).max).toBe(0);
  });

  describe('16-bit data (12 bits stored)', () => {
    // Window 4081 wide centred so that stored value 16 v maps back to display value v.
    const unsigned = (junkHighBits: boolean): Buffer =>
      pixelDataset({
        rows: source.height,
        columns: source.width,
        bitsAllocated: 16,
        bitsStored: 12,
        pixelRepresentation: 0,
        rescaleSlope: '1',
        rescaleIntercept: '-1024',
        windowCenter: '1016.5\\40',
        windowWidth: '4081\\400',
        pixelData: uint16Bytes(Array.from(source.pixels, (v) => (16 * v) | (junkHighBits ? 0xf000 : 0))),
      });

    it('applies rescale and the first window, ignoring bits above Bits Stored', async () => {
      expect(differences(await decodeBytes(unsigned(true)), source).max).toBe(0);
    });

    it('sign-extends signed values from Bits Stored', async () => {
      const signed = pixelDataset({
        rows: source.height,
        columns: source.width,
        bitsAllocated: 16,
        bitsStored: 12,
        pixelRepresentation: 1,
        windowCenter: '-7.5',
        windowWidth: '4081',
        pixelData: uint16Bytes(Array.from(source.pixels, (v) => (16 * v - 2048) & 0x0fff)),
      });
      expect(differences(await decodeBytes(signed), source).max).toBe(0);
    });

    it('windows to the min-max of the modality values when there is no window', async () => {
      const noWindow = pixelDataset({
        rows: source.height,
        columns: source.width,
        bitsAllocated: 16,
        bitsStored: 16,
        pixelRepresentation: 0,
        rescaleSlope: '2',
        rescaleIntercept: '100',
        pixelData: uint16Bytes(Array.from(source.pixels, (v) => 100 * v)),
      });
      const min = source.pixels.reduce((a, b) => Math.min(a, b));
      const max = source.pixels.reduce((a, b) => Math.max(a, b));
      const expected = source.pixels.map((v) => Math.round(((v - min) / (max - min)) * 255));
      expect(differences(await decodeBytes(noWindow), { ...source, pixels: expected }).max).toBe(0);
    });

    it.each(['jpeg-lossless', 'jpeg-ls', 'jpeg2000', 'rle'] as SyntaxName[])('decodes 16-bit %s exactly', async (syntax) => {
      await fs.writeFile(file('sixteen'), unsigned(false));
      await convertSyntax(file('sixteen'), file(`sixteen-${syntax}`), syntax);
      expect(differences(await decodeFile(file(`sixteen-${syntax}`)), source).max).toBe(0);
    });
  });

  describe('bad pixel data', () => {
    const base = {
      rows: 10,
      columns: 10,
      bitsAllocated: 8,
      bitsStored: 8,
      pixelRepresentation: 0 as const,
      pixelData: new Uint8Array(100),
    };

    it('refuses pixel data shorter than Rows x Columns', async () => {
      await expect(decodeBytes(pixelDataset({ ...base, pixelData: new Uint8Array(60) }))).rejects.toMatchObject({
        code: ImagingErrorCode.InvalidPixelData,
        reason: expect.stringContaining('pixel data is 60 bytes'),
      });
    });

    it('refuses an image of zero size', async () => {
      await expect(decodeBytes(pixelDataset({ ...base, rows: 0, pixelData: new Uint8Array(0) }))).rejects.toMatchObject({
        code: ImagingErrorCode.InvalidPixelData,
      });
    });

    it('refuses RGB colour', async () => {
      await expect(
        decodeBytes(pixelDataset({ ...base, samplesPerPixel: 3, photometricInterpretation: 'RGB', pixelData: new Uint8Array(300) })),
      ).rejects.toMatchObject({ code: ImagingErrorCode.UnsupportedPhotometric, reason: expect.stringContaining('RGB') });
    });

    it('refuses 32-bit samples', async () => {
      await expect(
        decodeBytes(pixelDataset({ ...base, bitsAllocated: 32, bitsStored: 32, pixelData: new Uint8Array(400) })),
      ).rejects.toMatchObject({
        code: ImagingErrorCode.UnsupportedBitDepth,
      });
    });

    it('refuses a file that is not DICOM', async () => {
      await expect(decodeBytes(Buffer.alloc(4096, 7))).rejects.toMatchObject({ code: ImagingErrorCode.NotDicom });
    });

    it('refuses a data set without pixel data', async () => {
      await fs.copyFile(file('explicit'), file('no-pixels'));
      await must('dcmodify', ['-nb', '-ea', '(7fe0,0010)', file('no-pixels')]);
      await expect(decodeFile(file('no-pixels'))).rejects.toMatchObject({ code: ImagingErrorCode.NoPixelData });
    });

    it('reports a corrupt compressed bitstream as a decode failure', async () => {
      const bytes = await fs.readFile(file('jpeg-ls'));
      const frame = await readPixelFrame(bufferSource(bytes));
      const garbled = { ...frame, data: frame.data.map((value, index) => (index > 20 ? value ^ 0x5a : value)) };
      expect(() => decodeToGrey(garbled)).toThrow(expect.objectContaining({ code: ImagingErrorCode.DecodeFailed }));
    });
  });
});
