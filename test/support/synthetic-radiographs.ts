import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';

const BODY_PARTS = ['hand', 'leg', 'hip', 'shoulder'] as const;

export interface SyntheticImage {
  readonly name: string;
  readonly png: Buffer;
  readonly fractured: boolean;
  readonly bodyPart: (typeof BODY_PARTS)[number];
}

/**
 * Deterministic toy "radiographs" whose label is trivially learnable (positives are bright,
 * negatives dark, both with a seeded band and texture): they let tests show that the learning loop's
 * gate tells a model trained on right labels from one trained on flipped labels, which real
 * images cannot show reliably at test scale.
 */
export async function syntheticImages(count: number, seed: number): Promise<SyntheticImage[]> {
  let state = seed >>> 0;
  const random = (): number => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const images: SyntheticImage[] = [];
  for (let index = 0; index < count; index += 1) {
    const fractured = index % 2 === 0;
    const width = 96;
    const height = 80 + (index % 3) * 8;
    const pixels = Buffer.alloc(width * height);
    const base = fractured ? 170 : 50;
    // A smooth "bone" (a bright band at a seeded place) over mild noise: structured like anatomy,
    // so the image-quality gate lets the model score it, while brightness alone carries the label.
    const centre = 24 + random() * 48;
    for (let y = 0; y < height; y += 1) {
      for (let x = 0; x < width; x += 1) {
        const bone = Math.max(0, Math.cos(((x - centre + (y - height / 2) * 0.3) / 14) * (Math.PI / 2)));
        const value = base + 70 * bone + (random() - 0.5) * 12;
        pixels[y * width + x] = Math.max(0, Math.min(255, Math.round(value)));
      }
    }
    const png = await sharp(pixels, { raw: { width, height, channels: 1 } })
      .png()
      .toBuffer();
    images.push({
      name: `SYN${String(seed).padStart(3, '0')}-${String(index * 25).padStart(5, '0')}.png`,
      png,
      fractured,
      bodyPart: BODY_PARTS[index % 4] as SyntheticImage['bodyPart'],
    });
  }
  return images;
}

/** Writes images in the trainer's/evaluator's layout: images/ + labels.csv (FracAtlas columns). */
export async function writeLabelledFolder(dir: string, images: readonly SyntheticImage[]): Promise<void> {
  await fs.mkdir(path.join(dir, 'images'), { recursive: true });
  const rows = ['image_id,hand,leg,hip,shoulder,mixed,hardware,multiscan,fractured,fracture_count,frontal,lateral,oblique'];
  for (const image of images) {
    await fs.writeFile(path.join(dir, 'images', image.name), image.png);
    const parts = BODY_PARTS.map((part) => (part === image.bodyPart ? '1' : '0'));
    rows.push([image.name, ...parts, '0', '0', '0', image.fractured ? '1' : '0', image.fractured ? '1' : '0', '1', '0', '0'].join(','));
  }
  await fs.writeFile(path.join(dir, 'labels.csv'), `${rows.join('\n')}\n`);
}
