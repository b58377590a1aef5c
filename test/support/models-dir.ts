import fs from 'node:fs';
import path from 'node:path';
import { smokeModelsDir } from './fracture-model';

export const SHIPPED_MODELS_DIR = path.join(__dirname, '..', '..', 'models');

/** The shipped model when the checkout has one, else a smoke model trained on the fixtures. */
export async function modelsDirForTests(): Promise<{ dir: string; shipped: boolean }> {
  if (fs.existsSync(path.join(SHIPPED_MODELS_DIR, 'current.json'))) return { dir: SHIPPED_MODELS_DIR, shipped: true };
  return { dir: await smokeModelsDir(), shipped: false };
}

/** The version `models/current.json` ships (what an engine on the default models folder reports). */
export function shippedModelVersion(): string {
  return (JSON.parse(fs.readFileSync(path.join(SHIPPED_MODELS_DIR, 'current.json'), 'utf8')) as { version: string }).version;
}
