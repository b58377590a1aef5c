import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { marksLegend, renderAnnotatedImage } from '../../src/pacs/annotated-image.renderer';
import { part10Of } from '../../src/pacs/part10-writer';
import { bannerFor } from '../../src/pacs/result-objects.factory';
import type { AnalysedImage } from '../../src/reports/findings';
import { buildSecondaryCapture } from '../../src/pacs/secondary-capture.builder';
import { buildStructuredReport } from '../../src/pacs/structured-report.builder';
import type { Report } from '../../src/reports/report';
import { dcmtk } from '../support/dcmtk';

const WIDTH = 300;
const HEIGHT = 400;
const grey = { width: WIDTH, height: HEIGHT, pixels: new Uint8Array(WIDTH * HEIGHT).fill(90) };
const original = {
  SOPClassUID: '1.2.840.10008.5.1.4.1.1.1.1',
  SOPInstanceUID: '1.2.3.1',
  SeriesInstanceUID: '1.2.3.2',
  StudyInstanceUID: '1.2.3.3',
  PatientID: 'P-UNIT',
  PatientName: 'Doe^Jane',
  AccessionNumber: 'A-1',
  LossyImageCompression: '01',
};

/** A heat map of the original's aspect with one hot spot at (x, y) as fractions. */
async function heatmapWithSpot(x: number, y: number): Promise<Buffer> {
  const width = 60;
  const height = 80;
  const cells = Buffer.alloc(width * height);
  for (let row = 0; row < height; row += 1) {
    for (let column = 0; column < width; column += 1)
      cells[row * width + column] = Math.max(0, 200 - 25 * Math.hypot(column - x * width, row - y * height));
  }
  return sharp(cells, { raw: { width, height, channels: 1 } })
    .png()
    .toBuffer();
}

const at = (pixels: Uint8Array, x: number, y: number): number[] => [...pixels.subarray((y * WIDTH + x) * 3, (y * WIDTH + x) * 3 + 3)];

describe('PACS result objects', () => {
  it('burns the heat map in as a red overlay at its hot spot only, under a banner with the text', async () => {
    const image = await renderAnnotatedImage(grey, {
      banner: { verdict: 'AI triage: fracture suspected, p=0.87', disclaimer: '— not a diagnosis' },
      heatmapPng: await heatmapWithSpot(0.5, 0.7),
    });
    const file = path.join(os.tmpdir(), 'osteon-test-artifacts', 'pacs-unit-overlay.png');
    await fs.mkdir(path.dirname(file), { recursive: true });
    await sharp(Buffer.from(image.pixels), { raw: { width: WIDTH, height: HEIGHT, channels: 3 } })
      .png()
      .toFile(file);
    const [r, g, b] = at(image.pixels, 150, 280);
    expect(r).toBeGreaterThan(140);
    expect(r! - b!).toBeGreaterThan(60);
    expect(g).toBeLessThan(r!);
    expect(at(image.pixels, 30, 380)).toEqual([90, 90, 90]);
    let ink = 0;
    for (let y = 0; y < 40; y += 1)
      for (let x = 0; x < WIDTH; x += 1) if (at(image.pixels, x, y)[2]! < 60 && at(image.pixels, x, y)[0]! > 200) ink += 1;
    expect(ink).toBeGreaterThan(50);
  });

  it("outlines the model's box on the image, inside its corners, and leaves the rest as it was", async () => {
    const box = { x0: 0.2, y0: 0.5, x1: 0.6, y1: 0.8 };
    const image = await renderAnnotatedImage(grey, {
      banner: { verdict: 'AI triage: fracture suspected, p=0.87', disclaimer: '— not a diagnosis' },
      heatmapPng: undefined,
      box,
    });
    const cyan = (pixel: number[]): boolean => pixel[0]! < 60 && pixel[1]! > 180 && pixel[2]! > 200;
    // Left edge at x = 60 (line inside the box), top edge at y = 200, bottom at y = 319.
    expect(cyan(at(image.pixels, 60, 260))).toBe(true);
    expect(cyan(at(image.pixels, 120, 200))).toBe(true);
    expect(cyan(at(image.pixels, 120, 319))).toBe(true);
    expect(at(image.pixels, 120, 260)).toEqual([90, 90, 90]);
    expect(at(image.pixels, 58, 260)).toEqual([90, 90, 90]);
    expect(at(image.pixels, 120, 330)).toEqual([90, 90, 90]);
  });

  it('names the marks it drew in the banner, between the verdict and the disclaimer, and burns in every line', async () => {
    expect(marksLegend({ heatmap: true, box: true })).toBe("cyan box: AI's most likely spot; yellow-red: AI heat map");
    expect(marksLegend({ heatmap: true, box: false })).toBe('yellow-red: AI heat map');
    expect(marksLegend({ heatmap: false, box: false })).toBeUndefined();
    const image = { findings: { fracture: true, fractureProbability: 0.87 } } as unknown as AnalysedImage;
    expect(bannerFor(image, '2.0.0')).toEqual({
      verdict: 'AI triage: fracture suspected, p=0.87',
      disclaimer: '— not a diagnosis (Osteon 2.0.0)',
    });
    // The lowest inked row moves down by a line when something is drawn (the legend line), not for a flat heat map.
    const flat = await sharp(Buffer.alloc(60 * 80, 12), { raw: { width: 60, height: 80, channels: 1 } })
      .png()
      .toBuffer();
    const lowestInk = async (marks: {
      heatmapPng: Buffer | undefined;
      box?: { x0: number; y0: number; x1: number; y1: number };
    }): Promise<number> => {
      const rendered = await renderAnnotatedImage(grey, { banner: bannerFor(image, '2.0.0'), ...marks });
      let lowest = -1;
      for (let y = 0; y < 80; y += 1)
        for (let x = 0; x < WIDTH; x += 1) if (at(rendered.pixels, x, y)[2]! < 60 && at(rendered.pixels, x, y)[0]! > 200) lowest = y;
      return lowest;
    };
    const nothingDrawn = await lowestInk({ heatmapPng: undefined });
    expect(await lowestInk({ heatmapPng: flat })).toBe(nothingDrawn);
    expect((await lowestInk({ heatmapPng: await heatmapWithSpot(0.5, 0.7) })) - nothingDrawn).toBeGreaterThan(8);
    expect((await lowestInk({ heatmapPng: undefined, box: { x0: 0.2, y0: 0.5, x1: 0.6, y1: 0.8 } })) - nothingDrawn).toBeGreaterThan(8);
  });

  it('draws no overlay from a flat heat map or without one', async () => {
    const flat = await sharp(Buffer.alloc(60 * 80, 12), { raw: { width: 60, height: 80, channels: 1 } })
      .png()
      .toBuffer();
    for (const heatmapPng of [flat, undefined]) {
      const image = await renderAnnotatedImage(grey, {
        banner: { verdict: 'AI triage: no fracture suspected, p=0.12', disclaimer: '— not a diagnosis' },
        heatmapPng,
      });
      expect(at(image.pixels, 150, 280)).toEqual([90, 90, 90]);
    }
  });

  it('writes an RGB Secondary Capture in the original study that dcmtk reads', async () => {
    const image = await renderAnnotatedImage(grey, { banner: { verdict: 'a', disclaimer: 'b' }, heatmapPng: undefined });
    const elements = buildSecondaryCapture({
      original,
      image,
      seriesInstanceUid: '1.2.9.1',
      sopInstanceUid: '1.2.9.2',
      instanceNumber: 1,
      modelVersion: 'm1',
      createdAt: new Date(),
    });
    const file = path.join(os.tmpdir(), `osteon-pacs-unit-${process.pid}.dcm`);
    await fs.writeFile(file, part10Of(elements));
    const dump = await dcmtk('dcmdump', [file]);
    await fs.rm(file, { force: true });
    expect(dump.code).toBe(0);
    expect(dump.output).toMatch(/\(0008,0016\) UI =SecondaryCaptureImageStorage/);
    expect(dump.output).toMatch(/\(0020,000d\) UI \[1\.2\.3\.3\]/);
    expect(dump.output).toMatch(/\(0028,0004\) CS \[RGB\]/);
    expect(dump.output).toMatch(/\(0028,2110\) CS \[01\]/);
    expect(dump.output).toMatch(/\(0008,1155\) UI =?\[?1\.2\.3\.1/);
  });

  it("writes a TID 1500 measurement report: the AI draft unverified with its marks on the image, the signed one verified with the doctor's verdict", async () => {
    const ai = { fracture: true, probability: 0.87, countClass: '1', bodyPart: 'hip', urgency: 'urgent' };
    const base = { id: 'r', contentVersion: 1, modelVersion: 'm1', urgency: 'urgent', findings: ai };
    const sources = [
      {
        sopClassUid: original.SOPClassUID,
        sopInstanceUid: original.SOPInstanceUID,
        seriesInstanceUid: original.SeriesInstanceUID,
        rows: HEIGHT,
        columns: WIDTH,
        findings: {
          fracture: true,
          fractureProbability: 0.87,
          bodyPart: 'hip',
          peak: { x: 0.5, y: 0.25 },
          box: { x0: 0.25, y0: 0.125, x1: 0.75, y1: 0.5 },
        },
      },
    ];
    const draft = buildStructuredReport({
      report: { ...base, status: 'preliminary', review: undefined } as unknown as Report,
      original,
      sources: sources as never,
      seriesInstanceUid: '1.2.9.3',
      sopInstanceUid: '1.2.9.4',
      instanceNumber: 1,
      predecessor: undefined,
      createdAt: new Date(),
    });
    const review = {
      by: { id: 'd', username: 'dr-unit', role: 'doctor' },
      at: new Date(),
      agreed: false,
      verdict: { fracture: false, countClass: '0', bodyPart: 'hip', conclusion: undefined },
    };
    const signed = buildStructuredReport({
      report: { ...base, status: 'amended', review } as unknown as Report,
      original,
      sources: sources as never,
      seriesInstanceUid: '1.2.9.3',
      sopInstanceUid: '1.2.9.5',
      instanceNumber: 2,
      predecessor: { sopClassUid: '1.2.840.10008.5.1.4.1.1.88.33', sopInstanceUid: '1.2.9.4', seriesInstanceUid: '1.2.9.3' },
      createdAt: new Date(),
    });
    const trees: string[] = [];
    for (const elements of [draft, signed]) {
      const file = path.join(os.tmpdir(), `osteon-pacs-sr-${process.pid}.dcm`);
      await fs.writeFile(file, part10Of(elements));
      const result = await dcmtk('dsrdump', ['+Pu', file]);
      await fs.rm(file, { force: true });
      expect(result.code).toBe(0);
      trees.push(result.output);
    }
    expect(trees[0]).toMatch(/Verification Flag\s+: UNVERIFIED/);
    expect(trees[0]).toMatch(/^<CONTAINER:\(,,"Imaging Measurement Report"\)=SEPARATE>/m);
    expect(trees[0]).toContain('TEXT:(,,"Device Observer Name")="AI, not verified"');
    expect(trees[0]).toContain('TEXT:(,,"Device Observer Model Name")="Osteon fracture triage m1"');
    expect(trees[0]).toMatch(/"Image Library Group"\)=SEPARATE>\s+<contains IMAGE:=\(DX image,"1\.2\.3\.1"\)>/);
    expect(trees[0]).toContain('CODE:(,,"Finding")=(125605004,SCT,"Fracture of bone")');
    expect(trees[0]).toContain('(29836001,SCT,"Hip region structure")');
    // The probability in percent, inferred from the marked region on the original: the point is
    // the box's centre (150/125), not the heat-map peak (150/100), when the model gives a box.
    expect(trees[0]).toMatch(
      /NUM:\(,,"Fracture probability"\)="87" \(%,UCUM,"percent"\)>\s+<inferred from SCOORD:\(,,"Image Region"\)=\(POINT,150\/125\)>\s+<selected from IMAGE:=\(DX image,"1\.2\.3\.1"\)>/,
    );
    expect(trees[0]).toContain('<inferred from SCOORD:(,,"Image Region")=(POLYLINE,75/50,...)>');
    expect(trees[0]).toMatch(/"Qualitative Evaluations"\)=SEPARATE>[\s\S]*CODE:\(,,"Fracture of bone"\)=\(52101004,SCT,"Present"\)/);
    expect(trees[1]).toMatch(/Verification Flag\s+: VERIFIED/);
    expect(trees[1]).toMatch(/Verifying Observers : .*dr-unit/);
    expect(trees[1]).toMatch(/Predecessor Docs\s+: 1/);
    expect(trees[1]).toContain('TEXT:(,,"Device Observer Name")="Osteon fracture triage"');
    expect(trees[1]).toMatch(/"Qualitative Evaluations"\)=SEPARATE>[\s\S]*CODE:\(,,"Fracture of bone"\)=\(2667000,SCT,"Absent"\)/);

    // A 1.0.x model gives no box: the point is the heat-map peak and there is no region group.
    const peakOnly = buildStructuredReport({
      report: { ...base, status: 'preliminary', review: undefined } as unknown as Report,
      original,
      sources: sources.map((source) => ({ ...source, findings: { ...source.findings, box: undefined } })) as never,
      seriesInstanceUid: '1.2.9.3',
      sopInstanceUid: '1.2.9.7',
      instanceNumber: 4,
      predecessor: undefined,
      createdAt: new Date(),
    });
    const peakFile = path.join(os.tmpdir(), `osteon-pacs-sr-peak-${process.pid}.dcm`);
    await fs.writeFile(peakFile, part10Of(peakOnly));
    const peakTree = (await dcmtk('dsrdump', ['+Pu', peakFile])).output;
    await fs.rm(peakFile, { force: true });
    expect(peakTree).toContain('SCOORD:(,,"Image Region")=(POINT,150/100)');
    expect(peakTree).not.toContain('POLYLINE');

    // A long login and a display name full of DICOM delimiters still make a valid, single-valued signer.
    const odd = buildStructuredReport({
      report: {
        ...base,
        status: 'amended',
        review: {
          ...review,
          by: { id: 'e', username: 'greg.house@example-hospital.org', role: 'doctor', displayName: 'Dr. Jo ^Evil\\ = X' },
        },
      } as unknown as Report,
      original,
      sources: sources as never,
      seriesInstanceUid: '1.2.9.3',
      sopInstanceUid: '1.2.9.6',
      instanceNumber: 3,
      predecessor: undefined,
      createdAt: new Date(),
    });
    const file = path.join(os.tmpdir(), `osteon-pacs-sr-odd-${process.pid}.dcm`);
    await fs.writeFile(file, part10Of(odd));
    const dump = await dcmtk('dcmdump', ['+P', '0040,a027', '+P', '0040,a075', '+P', '0008,0119', '+P', '0008,0104', file]);
    await fs.rm(file, { force: true });
    // Family X, given Jo, middle "^Evil\\ =" with its delimiters gone; one value (VM 1).
    expect(dump.output).toMatch(/\(0040,a075\) PN \[X\^Jo\^Evil\^Dr\.\]\s+#\s+\d+, 1 VerifyingObserverName/);
    expect(dump.output).toContain('(0008,0119) UC [greg.house@example-hospital.org]');
    expect(dump.output).toContain('(0008,0104) LO [Dr. Jo Evil X]');
  });
});
