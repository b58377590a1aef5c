/**
 * Patient PDF render time: the whole path the portal delivery takes per report (read each
 * original from the blob store and decode it, draw the heat map, lay out and write the PDF
 * with pdfmake), and pdfmake alone on the same document. Target: < 150 ms per PDF.
 *   npm run bench:pdf -- [--iterations 30] [--images 2]
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import type { AppConfig } from '../src/config/app-config';
import type { HeatmapRepository } from '../src/reports/heatmap.repository';

process.env.OSTEON_LOG_LEVEL ??= 'warn';

const TARGET_MS = 150;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { iterations: { type: 'string', default: '30' }, images: { type: 'string', default: '2' } } });
  const iterations = Number(values.iterations);
  const imageCount = Number(values.images);
  const { imageToDicom } = await import('../src/dicom/image-to-dicom');
  const { BlobStoreRepository } = await import('../src/storage/blob-store.repository');
  const { PatientPdfService } = await import('../src/portal/patient-pdf.service');
  const { PdfPrinterRepository } = await import('../src/portal/pdf-printer.repository');
  const { PdfLanguagesRepository } = await import('../src/portal/pdf-languages.repository');
  const { ReportImagesService } = await import('../src/portal/report-images.service');
  const { ImageService } = await import('../src/imaging/image.service');
  const { PixelWorkerPool } = await import('../src/imaging/pixel-worker.pool');
  const { patientPdfDefinition } = await import('../src/portal/patient-pdf.content');
  const { renderThumbnail } = await import('../src/portal/thumbnail.renderer');
  const { percentile } = await import('../src/inference/evaluation');
  const { FIXTURE_IMAGE, fixtureHeatmap, signedReport } = await import('../test/unit/portal-fixtures');

  // The originals as the engine stores them: DICOM files in a content-addressed blob store.
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'osteon-bench-pdf-'));
  const config = { dataDir: work, portal: { institutionName: 'Klinikum Süd, Notaufnahme', pdfLanguage: 'en' } } as unknown as AppConfig;
  const blobs = new BlobStoreRepository(config);
  await blobs.initialise();
  const { data, info } = await sharp(FIXTURE_IMAGE).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
  const dicom = imageToDicom(
    { width: info.width, height: info.height, pixels: new Uint8Array(data), lossySource: true },
    { patientId: 'BENCH-1', patientName: 'Müller^Zoë' },
  );
  const sha256 = createHash('sha256').update(dicom.part10).digest('hex');
  const blobKey = BlobStoreRepository.keyFor(sha256);
  await fs.mkdir(path.dirname(blobs.pathOf(blobKey)), { recursive: true });
  await fs.writeFile(blobs.pathOf(blobKey), dicom.part10);
  const heatmap = await fixtureHeatmap();
  const heatmaps = { find: async () => heatmap } as unknown as HeatmapRepository;
  const template = signedReport();
  const report = signedReport({
    images: Array.from({ length: imageCount }, (_, index) => ({
      ...(template.images[index % template.images.length] as (typeof template.images)[number]),
      blobKey,
      sha256,
    })),
  });

  const images = new ImageService(new PixelWorkerPool({ workers: 1 }), blobs);
  const printer = new PdfPrinterRepository();
  const service = new PatientPdfService(config, new ReportImagesService(images, heatmaps), printer, new PdfLanguagesRepository(config));
  const timeIt = async (label: string, run: () => Promise<unknown>): Promise<{ label: string; p50: number; p95: number; mean: number }> => {
    for (let i = 0; i < 3; i += 1) await run();
    const samples: number[] = [];
    for (let i = 0; i < iterations; i += 1) {
      const started = performance.now();
      await run();
      samples.push(performance.now() - started);
    }
    return {
      label,
      p50: percentile(samples, 0.5),
      p95: percentile(samples, 0.95),
      mean: samples.reduce((a, b) => a + b, 0) / samples.length,
    };
  };

  const grey = { width: info.width, height: info.height, pixels: new Uint8Array(data) };
  const thumbnails = await Promise.all(report.images.map((_, index) => renderThumbnail(grey, index === 0 ? heatmap : undefined)));
  const definition = (): ReturnType<typeof patientPdfDefinition> =>
    patientPdfDefinition({ institutionName: 'Klinikum Süd, Notaufnahme', kind: 'report', report, thumbnails });
  const size = (await service.render(report)).pdf.length;
  const rows = [
    await timeIt(`full render (${imageCount} images: DICOM decode + heat map + pdfmake)`, () => service.render(report)),
    await timeIt('pdfmake only (thumbnails ready)', () => printer.render(definition())),
    await timeIt('one thumbnail with heat map (sharp)', () => renderThumbnail(grey, heatmap)),
  ];
  await images.onModuleDestroy();
  await fs.rm(work, { recursive: true, force: true });
  process.stdout.write(
    `Patient PDF, ${iterations} runs each, ${os.cpus().length} CPU(s) ${os.cpus()[0]?.model ?? ''}; PDF ${(size / 1024).toFixed(0)} KB\n`,
  );
  for (const row of rows)
    process.stdout.write(
      `  ${row.label.padEnd(64)} p50 ${row.p50.toFixed(1).padStart(6)} ms   p95 ${row.p95.toFixed(1).padStart(6)} ms   mean ${row.mean.toFixed(1).padStart(6)} ms\n`,
    );
  const full = rows[0]!;
  process.stdout.write(`  target < ${TARGET_MS} ms per PDF: ${full.p50 < TARGET_MS ? 'met' : 'NOT met'} (p50 ${full.p50.toFixed(1)} ms)\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
