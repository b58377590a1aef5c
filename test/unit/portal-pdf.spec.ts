import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import type { AppConfig } from '../../src/config/app-config';
import type { GreyPixels } from '../../src/imaging/grey-image';
import { PatientPdfService, showsHeatmap } from '../../src/portal/patient-pdf.service';
import { PdfLanguagesRepository } from '../../src/portal/pdf-languages.repository';
import { PdfPrinterRepository } from '../../src/portal/pdf-printer.repository';
import { PortalErrorCode, PortalException } from '../../src/portal/portal.exception';
import type { ReportImagesService } from '../../src/portal/report-images.service';
import { renderThumbnail } from '../../src/portal/thumbnail.renderer';
import type { AnalysedImage } from '../../src/reports/findings';
import { FIXTURE_IMAGE, fixtureGrey, fixtureHeatmap, review, signedReport } from './portal-fixtures';

const run = promisify(execFile);

/** The images a report points at, served from memory instead of the blob store. */
class FixtureImages {
  constructor(
    private readonly grey: GreyPixels,
    private readonly heat: Buffer,
  ) {}
  readonly heatmapsRead: string[] = [];
  async original(): Promise<GreyPixels> {
    return this.grey;
  }
  async heatmap(image: AnalysedImage): Promise<Buffer> {
    this.heatmapsRead.push(image.instanceId);
    return this.heat;
  }
}

async function pdfText(pdf: Buffer): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'osteon-pdf-'));
  try {
    await fs.writeFile(path.join(dir, 'report.pdf'), pdf);
    const { stdout } = await run('pdftotext', ['-enc', 'UTF-8', path.join(dir, 'report.pdf'), '-']);
    return stdout.replace(/\s+/g, ' ');
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

describe('patient PDF', () => {
  let service: PatientPdfService;
  let images: FixtureImages;

  beforeAll(async () => {
    images = new FixtureImages(await fixtureGrey(), await fixtureHeatmap());
    const config = { portal: { institutionName: 'Szpital Św. Łukasza, Radiologia', pdfLanguage: 'en' } } as unknown as AppConfig;
    service = new PatientPdfService(
      config,
      images as unknown as ReportImagesService,
      new PdfPrinterRepository(),
      new PdfLanguagesRepository(config),
    );
  });

  it('prints names beyond Latin-1, the doctor conclusion in plain words and the AI finding it confirmed', async () => {
    const document = await service.render(signedReport());
    expect(document.kind).toBe('report');
    const text = await pdfText(document.pdf);
    expect(text).toContain('Szpital Św. Łukasza, Radiologia');
    expect(text).toContain('Zoë Łukasz Müller');
    expect(text).toContain('PAT-ŁM-7');
    expect(text).toContain('Date of the X-ray 14 March 2026');
    expect(text).toContain('A broken bone (fracture) was found on the X-ray of your hand.');
    expect(text).toContain('AI finding (computer suggestion, checked by the doctor)');
    expect(text).toContain('The AI suggested a fracture on the X-ray of your hand (its score for a fracture: 87 in 100).');
    expect(text).toContain('The doctor confirmed this AI finding.');
    expect(text).toContain('Signed by the doctor dr-nowak on 14 March 2026, 09:26 UTC.');
    expect(text).toContain('Report 65f1a2b3c4d5e6f708192a3b, version 2.');
    expect(text).toContain('It does not make a diagnosis');
    expect(text).not.toContain('Corrected');
  });

  it('signs with the doctor display name when the account has one', async () => {
    const signed = review({ by: { id: 'u-1', username: 'dr-nowak', role: 'doctor', displayName: 'Dr. Anna Nowak' } });
    const text = await pdfText((await service.render(signedReport({ review: signed, reviews: [signed] }))).pdf);
    expect(text).toContain('Signed by Dr. Anna Nowak on 14 March 2026, 09:26 UTC.');
    expect(text).not.toContain('dr-nowak');
  });

  it('prints the report in German when asked, with German dates, and English when the language is not offered', async () => {
    const german = await pdfText((await service.render(signedReport(), 'de')).pdf);
    expect(german).toContain('Ihr Röntgenbefund');
    expect(german).toContain('Auf dem Röntgenbild (Hand) wurde ein Knochenbruch (Fraktur) gefunden.');
    expect(german).toContain('Datum der Aufnahme 14. März 2026');
    expect(german).toContain('Unterschrieben von Ärztin/Arzt dr-nowak am 14. März 2026, 09:26 UTC.');
    expect(german).not.toContain('Your X-ray report');
    expect(await pdfText((await service.render(signedReport(), 'xx')).pdf)).toContain('Your X-ray report');
  });

  it('takes a site translation file that changes a text and adds a language', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'osteon-pdf-locales-'));
    try {
      await fs.writeFile(path.join(dir, 'de.json'), JSON.stringify({ 'title.report': 'Ihr Befund aus der Notaufnahme' }));
      await fs.writeFile(path.join(dir, 'it.json'), JSON.stringify({ 'title.report': 'Il suo referto radiografico', 'part.hand': 'mano' }));
      const config = { portal: { institutionName: 'Ospedale', pdfLanguage: 'it', pdfLocalesDir: dir } } as unknown as AppConfig;
      const languages = new PdfLanguagesRepository(config);
      expect(languages.codes().sort()).toEqual(['de', 'en', 'it']);
      const site = new PatientPdfService(config, images as unknown as ReportImagesService, new PdfPrinterRepository(), languages);
      const italian = await pdfText((await site.render(signedReport())).pdf);
      expect(italian).toContain('Il suo referto radiografico');
      // Keys the site did not translate read as English.
      expect(italian).toContain('A broken bone (fracture) was found on the X-ray of your mano.');
      expect(await pdfText((await site.render(signedReport(), 'de')).pdf)).toContain('Ihr Befund aus der Notaufnahme');
      await fs.writeFile(path.join(dir, 'fr.json'), JSON.stringify({ 'title.report': 42 }));
      expect(() => new PdfLanguagesRepository(config)).toThrow('title.report is not a text');
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('marks a second signed version as a corrected report that says the doctor corrected the AI', async () => {
    const correction = review({
      at: new Date('2026-03-15T10:00:00Z'),
      agreed: false,
      verdict: { fracture: false, countClass: '0', bodyPart: 'hand', conclusion: 'Kein Bruch: the line is a growth plate (Łukasz, ë, ü).' },
    });
    const report = signedReport({
      status: 'amended',
      review: correction,
      reviews: [review(), correction],
      finalAt: correction.at,
      contentVersion: 4,
    });
    const document = await service.render(report);
    expect(document.kind).toBe('corrected');
    const text = await pdfText(document.pdf);
    expect(text).toContain('Corrected report: this version replaces the report you received before.');
    expect(text).toContain('No broken bone (fracture) was found on the X-ray of your hand.');
    expect(text).toContain("Doctor's note: Kein Bruch: the line is a growth plate (Łukasz, ë, ü).");
    expect(text).toContain('The doctor corrected this AI finding');
    expect(text).toContain('version 4');
  });

  it('gives identical bytes for the same report version, dated at the sign-off', async () => {
    const first = await service.render(signedReport());
    const second = await service.render(signedReport());
    expect(second.sha256).toBe(first.sha256);
    expect(second.pdf.equals(first.pdf)).toBe(true);
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'osteon-pdf-'));
    await fs.writeFile(path.join(dir, 'r.pdf'), first.pdf);
    const { stdout } = await run('pdfinfo', ['-isodates', path.join(dir, 'r.pdf')]);
    await fs.rm(dir, { recursive: true, force: true });
    expect(stdout).toMatch(/CreationDate:\s+2026-03-14T09:26:00/);
  });

  it('renders a first page that opens as an image (pdftoppm)', async () => {
    const document = await service.render(signedReport());
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'osteon-pdf-'));
    try {
      await fs.writeFile(path.join(dir, 'report.pdf'), document.pdf);
      await run('pdftoppm', [
        '-png',
        '-r',
        '60',
        '-f',
        '1',
        '-l',
        '1',
        '-singlefile',
        path.join(dir, 'report.pdf'),
        path.join(dir, 'page'),
      ]);
      const page = await sharp(path.join(dir, 'page.png')).stats();
      const { width, height } = await sharp(path.join(dir, 'page.png')).metadata();
      // A4 at 60 dpi, with content on it (not a blank white page).
      expect([width, height]).toEqual([497, 702]);
      expect(page.channels[0]!.min).toBeLessThan(100);
      if (process.env.OSTEON_KEEP_PDF) await fs.copyFile(path.join(dir, 'report.pdf'), process.env.OSTEON_KEEP_PDF);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('prints a withdrawal notice without images once a signed report is withdrawn', async () => {
    const withdrawnAt = new Date('2026-03-16T12:00:00Z');
    const report = signedReport({
      status: 'entered-in-error',
      contentVersion: 3,
      statusHistory: [
        ...signedReport().statusHistory,
        { status: 'entered-in-error', at: withdrawnAt, by: review().by, reason: 'wrong patient' },
      ],
    });
    const document = await service.render(report);
    expect(document.kind).toBe('withdrawn');
    const text = await pdfText(document.pdf);
    expect(text).toContain('Notice: report withdrawn');
    expect(text).toContain('withdrawn on 16 March 2026, 12:00 UTC because it was issued in error');
    expect(text).not.toContain('wrong patient');
  });

  it('refuses to print a preliminary report', async () => {
    const preliminary = signedReport({ status: 'preliminary', review: undefined, reviews: [], finalAt: undefined });
    await expect(service.render(preliminary)).rejects.toMatchObject({ code: PortalErrorCode.NotReleased });
    await expect(service.render(preliminary)).rejects.toBeInstanceOf(PortalException);
  });

  it('draws the heat map only on images where the AI found a fracture the doctor confirmed', async () => {
    const report = signedReport();
    expect(report.images.map((image) => showsHeatmap(report, image))).toEqual([true, false]);
    const ruledOut = signedReport({
      review: review({ agreed: false, verdict: { fracture: false, countClass: '0', bodyPart: 'hand', conclusion: undefined } }),
    });
    expect(ruledOut.images.map((image) => showsHeatmap(ruledOut, image))).toEqual([false, false]);
  });

  it('tints the hot area of the thumbnail red and leaves an image without heat map grey', async () => {
    const grey = await fixtureGrey();
    const plain = await renderThumbnail(grey, undefined);
    const tinted = await renderThumbnail(grey, await fixtureHeatmap());
    // Longest side at most 480 px, aspect kept.
    expect([plain.width, plain.height]).toEqual([384, 480]);
    // The thumbnail is the original picture, only smaller: compare with sharp's own resize.
    const reference = await sharp(FIXTURE_IMAGE).resize(384, 480).toColourspace('b-w').raw().toBuffer();
    const thumbnail = await sharp(plain.jpeg).toColourspace('b-w').raw().toBuffer();
    let difference = 0;
    for (let i = 0; i < reference.length; i += 1) difference += Math.abs(reference[i]! - thumbnail[i]!);
    expect(difference / reference.length).toBeLessThan(4);
    const pixelAt = async (jpeg: Buffer, x: number, y: number): Promise<number[]> => {
      const { data, info } = await sharp(jpeg).toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
      const offset = (y * info.width + x) * info.channels;
      return [data[offset]!, data[offset + 1]!, data[offset + 2]!];
    };
    const [r, g, b] = await pixelAt(tinted.jpeg, 192, 192);
    expect(r! - Math.max(g!, b!)).toBeGreaterThan(60);
    const [pr, pg, pb] = await pixelAt(plain.jpeg, 192, 192);
    expect(Math.max(pr!, pg!, pb!) - Math.min(pr!, pg!, pb!)).toBeLessThan(8);
    const [cr, cg] = await pixelAt(tinted.jpeg, 5, 470);
    expect(Math.abs(cr! - cg!)).toBeLessThan(8);
  });

  it("outlines the model's box in red on a thumbnail and marks it highlighted, even without a heat map", async () => {
    const grey = await fixtureGrey();
    // 384 x 480: the box spans x 96..288, y 240..432; a 3 px line inside it.
    const box = { x0: 0.25, y0: 0.5, x1: 0.75, y1: 0.9 };
    const boxed = await renderThumbnail(grey, undefined, box);
    expect(boxed.highlighted).toBe(true);
    const { data, info } = await sharp(boxed.jpeg).toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    const redness = (x: number, y: number): number => {
      const offset = (y * info.width + x) * info.channels;
      return data[offset]! - Math.max(data[offset + 1]!, data[offset + 2]!);
    };
    for (const [x, y] of [
      [97, 330],
      [286, 330],
      [190, 241],
      [190, 430],
    ] as const)
      expect(redness(x, y)).toBeGreaterThan(80);
    for (const [x, y] of [
      [190, 330],
      [80, 330],
      [190, 225],
    ] as const)
      expect(Math.abs(redness(x, y))).toBeLessThan(12);
  });
});
