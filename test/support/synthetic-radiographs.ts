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
 * negatives dark, both with a seeded texture): they let tests show that the learning loop's
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
    const base = fractured ? 190 : 60;
    for (let i = 0; i < pixels.length; i += 1) pixels[i] = Math.max(0, Math.min(255, Math.round(base + (random() - 0.5) * 60)));
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
