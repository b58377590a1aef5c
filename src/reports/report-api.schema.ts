import { z } from 'zod';
import { isoDate, pagedSchema } from '../common/openapi';

const status = z.enum(['preliminary', 'final', 'amended', 'entered-in-error']);
const urgency = z.enum(['urgent', 'soon', 'routine']);

/** A worklist row (report.view.ts `worklistItem`). */
export const worklistItemSchema = z.object({
  id: z.string(),
  studyInstanceUid: z.string(),
  accessionNumber: z.string().nullish(),
  patientId: z.string().nullish(),
  status,
  urgency,
  findings: z
    .object({ fracture: z.boolean(), probability: z.number(), countClass: z.enum(['0', '1', '2+']), bodyPart: z.string() })
    .nullable()
    .describe('null: no image was analysed by AI'),
  notAnalysedCount: z.number().int(),
  modelVersion: z.string(),
  imageCount: z.number().int(),
  assignedTo: z.string().nullish(),
  createdAt: isoDate,
  updatedAt: isoDate,
});

export const worklistSchema = pagedSchema(worklistItemSchema);

/** The whole report (report.view.ts `reportDetail`); nested records keep their own fields. */
export const reportDetailSchema = worklistItemSchema.extend({
  patient: z.object({ patientId: z.string().nullish() }).passthrough(),
  images: z.array(
    z.object({
      sopInstanceUid: z.string(),
      instanceId: z.string(),
      findings: z
        .object({
          modelVersion: z.string(),
          fractureProbability: z.number(),
          fracture: z.boolean(),
          box: z
            .object({ x0: z.number(), y0: z.number(), x1: z.number(), y1: z.number() })
            .optional()
            .describe("models with a box head: the top fracture box, corners as fractions of the image's width and height"),
        })
        .passthrough(),
      imageUrl: z.string(),
      heatmapUrl: z.string().nullish(),
    }),
  ),
  notAnalysed: z.array(
    z.object({
      sopInstanceUid: z.string(),
      instanceId: z.string(),
      cause: z.enum(['unreadable', 'not-applicable', 'unavailable']),
      reason: z.string(),
      imageUrl: z.string(),
    }),
  ),
  firstReceivedAt: isoDate,
  lastReceivedAt: isoDate,
  analysedAt: isoDate,
  preliminaryAt: isoDate,
  finalAt: isoDate.nullish(),
  review: z.object({}).passthrough().nullish(),
  reviews: z.array(z.object({}).passthrough()),
  statusHistory: z.array(z.object({ status, at: isoDate }).passthrough()),
  deliveries: z.record(
    z.object({ status: z.enum(['pending', 'delivered', 'failed', 'dead']), contentVersion: z.number().int() }).passthrough(),
  ),
  revision: z.number().int(),
  contentVersion: z.number().int(),
  identity: z.object({ key: z.string(), fillerOrderNumber: z.string() }),
});

export const WORKLIST_EXAMPLE = {
  id: '6b0fbb24761a224cb1f9d0eb',
  studyInstanceUid: '2.25.99423436668479792020688704337347518848',
  patientId: 'DEMO-1',
  status: 'preliminary',
  urgency: 'soon',
  findings: { fracture: true, probability: 0.82, countClass: '1', bodyPart: 'hand' },
  notAnalysedCount: 0,
  modelVersion: '2.0.0',
  imageCount: 1,
  createdAt: '2026-12-02T06:31:00.336Z',
  updatedAt: '2026-12-02T06:31:00.336Z',
};
