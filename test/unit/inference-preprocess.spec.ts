import fs from 'node:fs/promises';
import path from 'node:path';
import { decodeImageFile } from '../../src/imaging/image-file.decoder';
import { letterboxGeometry, poolBounds, preprocessGrey } from '../../src/imaging/preprocess';
import { FIXTURE_IMAGES } from '../support/dicom-fixtures';
import { pythonPreprocess, requirePython } from '../support/fracture-model';
import { tempWorkspace } from '../support/workspace';

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i += 1) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

describe('model preprocessing (port of training/preprocess.py)', () => {
  beforeAll(async () => {
    await requirePython(['numpy', 'PIL']);
  });

  it('letterboxes with the extra padding row or column at the bottom or right', () => {
    expect(letterboxGeometry(410, 512)).toEqual({ side: 512, padTop: 51, padLeft: 0 });
    expect(letterboxGeometry(512, 411)).toEqual({ side: 512, padTop: 0, padLeft: 50 });
    expect(letterboxGeometry(7, 7)).toEqual({ side: 7, padTop: 0, padLeft: 0 });
  });

  it('pools with PyTorch adaptive-average bounds, overlapping when the sizes do not divide', () => {
    const { starts, ends } = poolBounds(10, 4);
    expect(Array.from(starts)).toEqual([0, 2, 5, 7]);
    expect(Array.from(ends)).toEqual([3, 5, 8, 10]);
  });

  it('averages a hand-computed 2x3 image into a 2x2 tensor', () => {
    // Letterboxed to 3x3 with one black row at the bottom: [[0,30,60],[90,120,150],[0,0,0]].
    const tensor = preprocessGrey({ width: 3, height: 2, pixels: Uint8Array.from([0, 30, 60, 90, 120, 150]) }, 2);
    const expected = [(0 + 30 + 90 + 120) / 4, (30 + 60 + 120 + 150) / 4, (90 + 120) / 4, (120 + 150) / 4].map((v) => Math.fround(v / 255));
    expect(Array.from(tensor)).toEqual(expected);
  });

  it.each([
    ['IMG0000188.jpg', 256],
    ['IMG0000045.jpg', 256],
    ['IMG0000462.jpg', 256],
    ['IMG0001073.jpg', 64],
    ['IMG0000466.jpg', 100],
  ])('matches Python on fixture %s at S=%i, JPEG decoding included', async (name, size) => {
    const file = path.join(FIXTURE_IMAGES, name);
    const node = preprocessGrey(await decodeImageFile(await fs.readFile(file)), size);
    const python = await pythonPreprocess(file, size);
    // sharp (libvips/mozjpeg) and Pillow decode these greyscale JPEGs to identical bytes,
    // so the tensors agree to float32 rounding; 1e-3 would still allow decoder differences.
    expect(maxAbsDiff(node, python)).toBeLessThan(1e-6);
  });

  it('matches Python exactly on the same decoded grey (the DICOM path)', async () => {
    const workspace = await tempWorkspace('preprocess');
    try {
      const width = 333;
      const height = 517;
      const pixels = new Uint8Array(width * height).map((_, i) => (i * 7919 + (i >> 5)) % 256);
      const raw = path.join(workspace.dir, 'grey.f32');
      await fs.writeFile(raw, Buffer.from(Float32Array.from(pixels).buffer));
      const node = preprocessGrey({ width, height, pixels }, 256);
      const python = await pythonPreprocess(raw, 256, { height, width });
      expect(maxAbsDiff(node, python)).toBe(0);
    } finally {
      await workspace.cleanup();
    }
  });

  it('decodes a colour JPEG to the same luminance as Pillow', async () => {
    const workspace = await tempWorkspace('colour');
    try {
      const sharp = (await import('sharp')).default;
      const file = path.join(workspace.dir, 'colour.jpg');
      const { data, info } = await sharp(path.join(FIXTURE_IMAGES, 'IMG0000206.jpg'))
        .toColourspace('srgb')
        .raw()
        .toBuffer({ resolveWithObject: true });
      for (let i = 0; i < data.length; i += 3) {
        data[i] = Math.min(255, data[i]! * 1.3);
        data[i + 2] = (data[i + 2]! * 0.6 + 40) | 0;
      }
      await sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } })
        .jpeg({ quality: 90 })
        .toFile(file);
      const node = preprocessGrey(await decodeImageFile(await fs.readFile(file)), 128);
      expect(maxAbsDiff(node, await pythonPreprocess(file, 128))).toBeLessThan(1e-6);
    } finally {
      await workspace.cleanup();
    }
  });

  it('refuses an empty image', () => {
    expect(() => preprocessGrey({ width: 0, height: 10, pixels: new Uint8Array(0) }, 64)).toThrow(/empty/);
  });
});
