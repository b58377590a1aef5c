import path from 'node:path';
import { NativeCodecs } from 'dcmjs-codecs';
import { readPixelFrame } from '../../src/imaging/dicom-pixel.reader';
import { runPixelTask } from '../../src/imaging/pixel-task';
import type { GreyPixels } from '../../src/imaging/grey-image';
import { convertSyntax, makeInstance } from '../support/dicom-fixtures';
import { fileSource } from '../support/pixel-fixtures';
import { tempWorkspace } from '../support/workspace';

// Jest gives this file its own module registry, so the codecs start unloaded here.
describe('the WASM codecs load only for compressed frames', () => {
  let workspace: { dir: string; cleanup: () => Promise<void> };
  const file = (name: string): string => path.join(workspace.dir, `${name}.dcm`);

  beforeAll(async () => {
    workspace = await tempWorkspace('codec-loading');
    await makeInstance('IMG0000188.jpg', file('explicit'), { patientId: 'CODECS' });
    await convertSyntax(file('explicit'), file('jpeg-lossless'), 'jpeg-lossless');
  });

  afterAll(async () => {
    await workspace?.cleanup();
  });

  it('decodes and renders an uncompressed frame without loading them, then loads them for a JPEG one', async () => {
    const native = await readPixelFrame(await fileSource(file('explicit')));
    const grey = (await runPixelTask({ kind: 'decode', frame: native })) as GreyPixels;
    await runPixelTask({ kind: 'render', frame: native, voi: undefined });
    expect(NativeCodecs.isInitialized()).toBe(false);

    const jpeg = await readPixelFrame(await fileSource(file('jpeg-lossless')));
    const decoded = (await runPixelTask({ kind: 'decode', frame: jpeg })) as GreyPixels;
    expect(NativeCodecs.isInitialized()).toBe(true);
    expect(Buffer.from(decoded.pixels).equals(Buffer.from(grey.pixels))).toBe(true);
  });
});
