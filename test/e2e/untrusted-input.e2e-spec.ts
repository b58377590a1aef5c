import fs from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import sharp from 'sharp';
import { readFileMeta } from '../../src/imaging/part10';
import { convertSyntax, fixtureImageNames, makeInstance, readUid, SYNTAX_UIDS } from '../support/dicom-fixtures';
import { startEngine, type Engine } from '../support/engine';
import { api, userToken } from '../support/http';
import { modelsDirForTests } from '../support/models-dir';
import { pixelDataset } from '../support/pixel-fixtures';
import { waitFor } from '../support/processes';
import { rawStore } from '../support/raw-store-scu';
import { tempWorkspace } from '../support/workspace';

const DX = '1.2.840.10008.5.1.4.1.1.1.1';
const EXPLICIT_LE = '1.2.840.10008.1.2.1';

function datasetOf(bytes: Buffer): Promise<{ dataset: Buffer; sopInstanceUid: string }> {
  return readFileMeta({ size: bytes.length, read: async (at, length) => bytes.subarray(at, at + length) }).then((meta) => ({
    dataset: bytes.subarray(meta.datasetOffset),
    sopInstanceUid: meta.mediaStorageSopInstanceUid ?? '',
  }));
}

/** A PNG whose header says width x height, with almost no data: what a decompression bomb looks like from outside. */
function pngHeaderOnly(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(Buffer.alloc(width + 1))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

async function memoryOf(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string): number => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

describe('untrusted input: broken, blank and oversized images, the wrong AE title (dcmtk, a raw SCU, uploads)', () => {
  let engine: Engine;
  let workspace: { dir: string; cleanup: () => Promise<void> };
  let doctor: string;
  let clerk: string;

  beforeAll(async () => {
    workspace = await tempWorkspace('untrusted');
    const models = await modelsDirForTests();
    engine = await startEngine({
      dataDir: path.join(workspace.dir, 'data'),
      env: { OSTEON_MODELS_DIR: models.dir, OSTEON_STUDY_IDLE_MS: '300', OSTEON_MAX_IMAGE_PIXELS: '50000000' },
    });
    doctor = await userToken(engine, 'dr-untrusted', 'doctor');
    clerk = await userToken(engine, 'clerk-untrusted', 'admin-worker');
  });

  afterAll(async () => {
    await engine?.stop();
    await workspace?.cleanup();
  });

  const send = async (part10: Buffer, transferSyntaxUid = EXPLICIT_LE, calledAeTitle?: string) => {
    const { dataset, sopInstanceUid } = await datasetOf(part10);
    return rawStore({
      port: engine.dicomPort,
      abstractSyntaxUid: DX,
      transferSyntaxUid,
      calledAeTitle,
      instances: [{ sopClassUid: DX, sopInstanceUid, dataset }],
    });
  };

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const reportOfStudy = (studyInstanceUid: string): Promise<any> =>
    waitFor(async () => {
      const page = await api<{ items: Array<{ id: string }> }>(engine, 'GET', `/api/reports?studyInstanceUid=${studyInstanceUid}`, {
        token: doctor,
      });
      const item = page.body.items[0];
      return item ? (await api(engine, 'GET', `/api/reports/${item.id}`, { token: doctor })).body : undefined;
    }, 60_000);

  it('rejects an association whose called AE title is not ours', async () => {
    const blank = pixelDataset({
      rows: 64,
      columns: 64,
      bitsAllocated: 8,
      bitsStored: 8,
      pixelRepresentation: 0,
      pixelData: new Uint8Array(64 * 64),
    });
    expect(await send(blank, EXPLICIT_LE, 'SOMEONE-ELSE')).toEqual({ kind: 'rejected' });
  });

  it('refuses recognisably broken pixel data at C-STORE time with A900 and the reason, storing nothing', async () => {
    const broken = [
      pixelDataset({ rows: 0, columns: 512, bitsAllocated: 8, bitsStored: 8, pixelRepresentation: 0, pixelData: new Uint8Array(512) }),
      // A 16-bit header over 8-bit data, and pixel data shorter than Rows x Columns.
      pixelDataset({
        rows: 256,
        columns: 256,
        bitsAllocated: 16,
        bitsStored: 16,
        pixelRepresentation: 0,
        pixelData: new Uint8Array(256 * 256),
      }),
      pixelDataset({
        rows: 256,
        columns: 256,
        bitsAllocated: 8,
        bitsStored: 8,
        pixelRepresentation: 0,
        pixelData: new Uint8Array(256 * 200),
      }),
      pixelDataset({
        rows: 256,
        columns: 256,
        bitsAllocated: 8,
        bitsStored: 12,
        pixelRepresentation: 0,
        pixelData: new Uint8Array(256 * 256),
      }),
    ];
    for (const part10 of broken) expect(await send(part10)).toEqual({ kind: 'statuses', statuses: [0xa900] });
    // Absurd dimensions are over the pixel limit: out of resources (A700), refused before anything is read.
    const absurd = pixelDataset({
      rows: 60000,
      columns: 60000,
      bitsAllocated: 16,
      bitsStored: 12,
      pixelRepresentation: 0,
      pixelData: new Uint8Array(4096),
    });
    expect(await send(absurd)).toEqual({ kind: 'statuses', statuses: [0xa700] });
    // The engine writes its log lines in batches (every 20 ms): wait for the reason's line, then check it.
    const reason = /pixel data is 65536 bytes; 256x256x1 at 16 bits needs 131072/;
    await waitFor(async () => (reason.test(engine.process.output()) ? true : undefined), 5000, 20).catch(() => undefined);
    expect(engine.process.output()).toMatch(reason);
    expect((await engine.getJson<{ total: number }>('/api/studies?patientId=PIXELS')).body.total).toBe(0);
  });

  it('puts a blank image on the worklist without an AI finding: "AI not applicable", urgency soon', async () => {
    const part10 = pixelDataset({
      rows: 512,
      columns: 512,
      bitsAllocated: 8,
      bitsStored: 8,
      pixelRepresentation: 0,
      pixelData: new Uint8Array(512 * 512),
    });
    const file = path.join(workspace.dir, 'blank.dcm');
    await fs.writeFile(file, part10);
    expect(await send(part10)).toEqual({ kind: 'statuses', statuses: [0] });
    const report = await reportOfStudy(await readUid(file, '0020,000d'));
    expect(report.findings).toBeNull();
    expect(report.images).toHaveLength(0);
    expect(report.notAnalysed).toEqual([
      expect.objectContaining({ cause: 'not-applicable', reason: expect.stringContaining('AI not applicable') }),
    ]);
    expect(report.urgency).toBe('soon');
    expect(report.imageCount).toBe(1);
    // Nothing to confirm without a draft: the doctor amends with the verdict.
    expect((await api(engine, 'POST', `/api/reports/${report.id}/confirm`, { token: doctor })).status).toBe(409);
    const amended = await api(engine, 'POST', `/api/reports/${report.id}/amend`, {
      token: doctor,
      json: { fracture: false, countClass: '0', bodyPart: 'hand', conclusion: 'Blank exposure: repeat the X-ray.' },
    });
    expect(amended.status).toBe(200);
    expect(amended.body.review).toMatchObject({ agreed: false });
  });

  it('stores a JPEG Lossless image whose bitstream is corrupt, and still reports the study for a doctor, without AI', async () => {
    const [image] = await fixtureImageNames();
    const plain = path.join(workspace.dir, 'plain.dcm');
    const lossless = path.join(workspace.dir, 'lossless.dcm');
    const made = await makeInstance(image as string, plain, { patientId: 'CORRUPT-1' });
    await convertSyntax(plain, lossless, 'jpeg-lossless');
    const bytes = await fs.readFile(lossless);
    let state = 99;
    for (let at = Math.floor(bytes.length * 0.3); at < bytes.length - 64; at += 1) {
      state = (state * 1103515245 + 12345) >>> 0;
      bytes[at] = state >>> 24;
    }
    expect(await send(bytes, SYNTAX_UIDS['jpeg-lossless'])).toEqual({ kind: 'statuses', statuses: [0] });
    const report = await reportOfStudy(made.studyInstanceUid);
    expect(report.findings).toBeNull();
    expect(report.notAnalysed).toHaveLength(1);
    expect(report.notAnalysed[0].reason).toMatch(/not analysed by AI|AI not applicable/);
    const worklist = await api<{ items: Array<{ id: string; findings: unknown; notAnalysedCount: number }> }>(
      engine,
      'GET',
      '/api/reports',
      { token: doctor },
    );
    expect(worklist.body.items.find((item) => item.id === report.id)).toMatchObject({ findings: null, notAnalysedCount: 1 });
  });

  it('refuses an upload above the pixel limit from its header (413), before decoding, without a memory spike', async () => {
    const before = await memoryOf(engine.process.child.pid as number);
    const form = new FormData();
    form.append('patientId', 'BOMB-1');
    form.append('images', new Blob([new Uint8Array(pngHeaderOnly(16000, 16000))], { type: 'image/png' }), 'bomb.png');
    const refused = await api<{ code: string; message: string }>(engine, 'POST', '/api/records', { token: clerk, form });
    expect(refused.status).toBe(413);
    expect(refused.body.code).toBe('IMAGE_TOO_LARGE');
    expect(refused.body.message).toContain('16000 x 16000');
    expect(refused.body.message).toContain('OSTEON_MAX_IMAGE_PIXELS');
    expect((await engine.getJson<{ total: number }>('/api/studies?patientId=BOMB-1')).body.total).toBe(0);
    const after = await memoryOf(engine.process.child.pid as number);
    expect(after.peak - before.rss).toBeLessThan(100 * 1024 * 1024);
  });

  it('takes a large real upload (36 megapixels) within 300 MB of extra memory, streamed to disk', async () => {
    const large = await sharp({ create: { width: 6000, height: 6000, channels: 3, background: { r: 0, g: 0, b: 0 } } })
      .composite([
        {
          input: path.join(__dirname, '..', 'fixtures', 'fracatlas', 'images', (await fixtureImageNames())[0] as string),
          top: 100,
          left: 100,
        },
      ])
      .jpeg({ quality: 80 })
      .toBuffer();
    const before = await memoryOf(engine.process.child.pid as number);
    const form = new FormData();
    form.append('patientId', 'LARGE-1');
    form.append('images', new Blob([new Uint8Array(large)], { type: 'image/jpeg' }), 'large.jpg');
    const stored = await api<{ studyInstanceUids: string[] }>(engine, 'POST', '/api/records', { token: clerk, form });
    expect(stored.status).toBe(201);
    const after = await memoryOf(engine.process.child.pid as number);
    expect(after.peak - Math.max(before.rss, 0)).toBeLessThan(300 * 1024 * 1024);
    await expect(fs.readdir(path.join(workspace.dir, 'data', 'uploads'), { recursive: true })).resolves.not.toContainEqual(
      expect.stringMatching(/^[^/]+\/[0-9a-f]{32}$/),
    );
  });
});
