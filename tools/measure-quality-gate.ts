/**
 * Measures the image-quality gate on a folder of real radiographs (JPEG/PNG, e.g. the FracAtlas
 * development split) and prints each measurement's range and the share of images the gate would
 * refuse (its false-rejection rate there: every image in such a folder is a real radiograph).
 *   npm run measure-quality-gate -- --images <dir> [--json <out.json>]
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { measureImageQuality, type ImageQuality } from '../src/imaging/image-quality';
import { qualityGateVerdict } from '../src/inference/image-quality.policy';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { images: { type: 'string' }, json: { type: 'string' } } });
  if (!values.images) throw new Error('usage: measure-quality-gate --images <dir> [--json <out.json>]');
  const names = (await fs.readdir(values.images)).filter((name) => /\.(jpe?g|png)$/i.test(name)).sort();
  const rows: Array<ImageQuality & { name: string; refused: string | undefined }> = [];
  for (const name of names) {
    const { data, info } = await sharp(path.join(values.images, name)).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
    const quality = measureImageQuality({
      width: info.width,
      height: info.height,
      pixels: new Uint8Array(data.buffer, data.byteOffset, info.width * info.height),
    });
    const verdict = qualityGateVerdict(quality);
    rows.push({ name, ...quality, refused: verdict.applicable ? undefined : verdict.reason });
  }
  const range = (key: keyof ImageQuality): string => {
    const sorted = rows.map((row) => row[key]).sort((a, b) => a - b);
    const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
    return `${key}: min ${sorted[0]?.toFixed(3)} p0.1 ${at(0.001).toFixed(3)} p1 ${at(0.01).toFixed(3)} median ${at(0.5).toFixed(3)} p99 ${at(0.99).toFixed(3)} max ${sorted.at(-1)?.toFixed(3)}`;
  };
  for (const key of ['width', 'height', 'dynamicRange', 'dominantShare', 'neighbourCorrelation', 'detail'] as const)
    console.log(range(key));
  const refused = rows.filter((row) => row.refused !== undefined);
  console.log(
    `refused ${refused.length} of ${rows.length} (false-rejection rate ${((100 * refused.length) / Math.max(1, rows.length)).toFixed(2)} %)`,
  );
  for (const row of refused) console.log(`  ${row.name}: ${row.refused}`);
  if (values.json) await fs.writeFile(values.json, JSON.stringify(rows, null, 1));
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
