import { z } from 'zod';
import { listSchema } from '../common/openapi';

/** What the dashboards' routes answer, for the OpenAPI document. */
export const reportsOverTimeSchema = z.object({
  bucket: z.enum(['hour', 'day']),
  items: z.array(z.object({ bucket: z.string(), count: z.number().int() })),
});

export const openReportsSchema = listSchema(z.object({ doctor: z.string(), open: z.number().int(), oldestAgeSeconds: z.number() }));

export const turnaroundSchema = z.object({
  reports: z.number().int(),
  signed: z.number().int(),
  medianReceivedToPreliminarySeconds: z.number().nullish(),
  medianPreliminaryToFinalSeconds: z.number().nullish(),
  medianReceivedToFinalSeconds: z.number().nullish(),
});

export const agreementSchema = listSchema(
  z.object({ bodyPart: z.string(), reviewed: z.number().int(), agreed: z.number().int(), rate: z.number() }),
);
