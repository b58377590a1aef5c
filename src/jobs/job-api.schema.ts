import { z } from 'zod';
import { isoDate, pagedSchema } from '../common/openapi';
import { JOB_TYPES } from './job';

/** A job as the operator's API answers it. */
export const jobSchema = z.object({
  id: z.string(),
  type: z.enum(JOB_TYPES),
  key: z.string(),
  payload: z.record(z.union([z.string(), z.number(), z.boolean()])).describe('ids only'),
  status: z.enum(['pending', 'running', 'done', 'dead']),
  attempts: z.number().int(),
  maxAttempts: z.number().int(),
  expiresAt: isoDate.nullish(),
  failingSince: isoDate.nullish(),
  runAt: isoDate,
  leaseOwner: z.string().nullish(),
  leaseExpiresAt: isoDate.nullish(),
  lastError: z.string().nullish(),
  correlationId: z.string().nullish().describe('the association or request this job’s study path started with'),
  createdAt: isoDate,
  updatedAt: isoDate,
  finishedAt: isoDate.nullish(),
});

export const jobPageSchema = pagedSchema(jobSchema);

/** POST /api/jobs/replay: each dead letter replayed, or refused with the reason. */
export const jobReplayResultSchema = z.object({
  replayed: z.array(jobSchema),
  refused: z.array(z.object({ id: z.string(), reason: z.string() })),
});
