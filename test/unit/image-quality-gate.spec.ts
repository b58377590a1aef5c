import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { GreyPixels } from '../../src/imaging/grey-image';
import { measureImageQuality } from '../../src/imaging/image-quality';
import { qualityGateVerdict } from '../../src/inference/image-quality.policy';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'fracatlas', 'images');

function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function image(width: number, height: number, value: (x: number, y: number) => number): GreyPixels {
  const pixels = new Uint8Array(width * height);
  for (let y = 0; y < height; y += 1)
    for (let x = 0; x < width; x += 1) pixels[y * width + x] = Math.max(0, Math.min(255, Math.round(value(x, y))));
  return { width, height, pixels };
}

const verdictOf = (grey: GreyPixels) => qualityGateVerdict(measureImageQuality(grey));

describe('image-quality gate (AI not applicable without anatomy)', () => {
  it('passes every committed FracAtlas radiograph', async () => {
    const names = (await fs.readdir(FIXTURES)).filter((name) => name.endsWith('.jpg'));
    expect(names.length).toBeGreaterThanOrEqual(18);
    for (const name of names) {
      const { data, info } = await sharp(path.join(FIXTURES, name)).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
      const verdict = verdictOf({ width: info.width, height: info.height, pixels: new Uint8Array(data) });
      expect({ name, verdict }).toEqual({ name, verdict: { applicable: true } });
    }
  });

  it('refuses blank images of any grey, and nearly uniform ones', () => {
    for (const level of [0, 128, 255])
      expect(verdictOf(image(512, 512, () => level))).toMatchObject({ applicable: false, reason: expect.stringContaining('blank') });
    const random = seeded(7);
    expect(verdictOf(image(600, 400, () => 100 + random() * 6)).applicable).toBe(false);
    // One bright corner on a flat field: still almost one grey.
    expect(verdictOf(image(500, 500, (x, y) => (x < 40 && y < 40 ? 255 : 20))).applicable).toBe(false);
  });

  it('refuses noise: uniform, Gaussian-like and salt-and-pepper', () => {
    const random = seeded(42);
    expect(verdictOf(image(512, 512, () => random() * 255))).toMatchObject({ applicable: false, reason: expect.stringContaining('noise') });
    expect(verdictOf(image(700, 500, () => 128 + (random() + random() + random() - 1.5) * 80)).applicable).toBe(false);
    expect(verdictOf(image(400, 400, () => (random() < 0.5 ? 0 : 255))).applicable).toBe(false);
  });

  it('refuses a smooth ramp, fine stripes, a thumbnail and a sliver', () => {
    expect(verdictOf(image(512, 512, (x) => x / 2)).applicable).toBe(false);
    expect(verdictOf(image(512, 512, (x) => (x % 2 === 0 ? 30 : 220))).applicable).toBe(false);
    const random = seeded(3);
    expect(verdictOf(image(40, 40, (x, y) => 50 + x * 3 + y * 2 + random() * 4))).toMatchObject({
      reason: expect.stringContaining('too small'),
    });
    expect(verdictOf(image(2000, 100, (x) => 40 + (x % 200))).applicable).toBe(false);
  });
});
