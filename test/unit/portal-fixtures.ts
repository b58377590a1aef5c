import path from 'node:path';
import sharp from 'sharp';
import type { GreyPixels } from '../../src/imaging/grey-image';
import type { AnalysedImage, StudyFindings } from '../../src/reports/findings';
import type { Report, Review } from '../../src/reports/report';
import { draftReport } from '../support/report-fixture';

export const FIXTURE_IMAGE = path.join(__dirname, '..', 'fixtures', 'fracatlas', 'images', 'IMG0000040.jpg');

const SIGNED_AT = new Date('2026-03-14T09:26:00Z');

export const AI_FRACTURE: StudyFindings = { fracture: true, probability: 0.87, countClass: '1', bodyPart: 'hand', urgency: 'soon' };

function image(index: number, fracture: boolean): AnalysedImage {
  return {
    sopInstanceUid: `1.2.3.${index}`,
    instanceId: `instance-${index}`,
    sha256: String(index).repeat(64).slice(0, 64),
    blobKey: `00/00/${'0'.repeat(64)}.dcm`,
    heatmapId: `heatmap-${index}`,
    findings: {
      modelVersion: 'fracture-test-1',
      fractureProbability: fracture ? 0.87 : 0.1,
      fracture,
      threshold: 0.5,
      countClass: fracture ? '1' : '0',
      countProbabilities: [0.1, 0.8, 0.1],
      bodyPart: 'hand',
      bodyPartSource: 'dicom',
      bodyPartProbabilities: [0.9, 0.05, 0.03, 0.02],
      peak: { x: 0.5, y: 0.4 },
    },
  };
}

export function review(overrides: Partial<Review> = {}): Review {
  return {
    by: { id: 'u-1', username: 'dr-nowak', role: 'doctor' },
    at: SIGNED_AT,
    agreed: true,
    verdict: { fracture: true, countClass: '1', bodyPart: 'hand', conclusion: undefined },
    aiFindings: AI_FRACTURE,
    modelVersion: 'fracture-test-1',
    source: 'review-api',
    ...overrides,
  };
}

/** A signed report of a patient whose name needs more than Latin-1. */
export function signedReport(overrides: Partial<Report> = {}): Report {
  const signed = review();
  const analysedAt = new Date('2026-03-14T08:02:09Z');
  return draftReport({
    id: '65f1a2b3c4d5e6f708192a3b',
    patient: { patientId: 'PAT-ŁM-7', name: 'Müller^Zoë Łukasz', birthDate: '19800203', sex: 'F' },
    status: 'final',
    findings: AI_FRACTURE,
    images: [image(1, true), image(2, false)],
    firstReceivedAt: new Date('2026-03-14T08:02:00Z'),
    lastReceivedAt: new Date('2026-03-14T08:02:05Z'),
    analysedAt,
    preliminaryAt: analysedAt,
    finalAt: SIGNED_AT,
    review: signed,
    reviews: [signed],
    statusHistory: [
      { status: 'preliminary', at: analysedAt, by: undefined, reason: 'AI draft' },
      { status: 'final', at: SIGNED_AT, by: signed.by, reason: 'confirmed' },
    ],
    assignedTo: signed.by,
    createdAt: analysedAt,
    updatedAt: SIGNED_AT,
    revision: 3,
    contentVersion: 2,
    ...overrides,
  });
}

export async function fixtureGrey(): Promise<GreyPixels> {
  const { data, info } = await sharp(FIXTURE_IMAGE).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, pixels: new Uint8Array(data.buffer, data.byteOffset, info.width * info.height) };
}

/** A heat map PNG like the inference module's: grey, one hot spot at (0.5, 0.4). */
export async function fixtureHeatmap(width = 205, height = 256): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const dx = (x - width * 0.5) / (width * 0.15);
      const dy = (y - height * 0.4) / (height * 0.15);
      pixels[y * width + x] = Math.round(255 * Math.exp(-(dx * dx + dy * dy)));
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 1 } })
    .png()
    .toBuffer();
}
