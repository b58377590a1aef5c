import { z } from 'zod';
import { isoDate, listSchema, pagedSchema } from '../common/openapi';

/** One training label as the API answers it (training-label.ts). */
export const trainingLabelSchema = z.object({
  id: z.string(),
  imageSha256: z.string(),
  blobKey: z.string(),
  sopInstanceUid: z.string(),
  studyInstanceUid: z.string(),
  reportId: z.string(),
  modelVersion: z.string(),
  ai: z.object({ fractureProbability: z.number(), fracture: z.boolean(), countClass: z.string(), bodyPart: z.string() }),
  label: z.object({ fracture: z.boolean(), countClass: z.string(), bodyPart: z.string() }).passthrough(),
  verdict: z.enum(['agreed', 'amended', 'withdrawn']),
  granularity: z.enum(['image', 'study']),
  labelledBy: z.object({ id: z.string(), username: z.string() }).passthrough(),
  labelledAt: isoDate,
  source: z.enum(['review-api', 'fhir', 'hl7']),
});

export const reportLabelsSchema = listSchema(trainingLabelSchema);
export const labelPageSchema = pagedSchema(trainingLabelSchema);
