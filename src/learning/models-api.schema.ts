import { z } from 'zod';
import { isoDate, listSchema } from '../common/openapi';

const modelStatus = z.enum(['candidate', 'shadow', 'active', 'retired', 'rejected']);

/** A model version in the registry (model-version.ts). */
export const modelVersionSchema = z.object({
  id: z.string(),
  version: z.string(),
  dir: z.string(),
  status: modelStatus,
  source: z.enum(['shipped', 'retrained']),
  createdAt: isoDate,
  trainedOnLabels: z.number().int(),
  gate: z.object({ passed: z.boolean() }).passthrough().nullish().describe('the evaluation gate’s numbers and verdict'),
  history: z.array(z.object({ status: modelStatus, at: isoDate, by: z.string(), reason: z.string() })),
});

export const modelListSchema = listSchema(modelVersionSchema);

export const modelAgreementSchema = listSchema(
  z.object({
    modelVersion: z.string(),
    role: z.enum(['drafting', 'shadow']),
    reviewed: z.number().int(),
    agreed: z.number().int(),
    rate: z.number(),
  }),
);

export const retrainingSchema = z.object({ jobId: z.string() });
