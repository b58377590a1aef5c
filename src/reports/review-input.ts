import { z } from 'zod';
import { parseInput } from '../common/invalid-input.exception';
import type { WorklistFilter } from './report.repository';

const countClass = z.enum(['0', '1', '2+']);
const bodyPart = z.enum(['hand', 'leg', 'hip', 'shoulder']);

export const amendmentSchema = z
  .object({
    fracture: z.boolean(),
    countClass,
    bodyPart,
    conclusion: z.string().trim().max(4000).optional(),
    images: z
      .array(z.object({ sopInstanceUid: z.string().min(1).max(64), fracture: z.boolean(), countClass, bodyPart }))
      .max(64)
      .optional(),
  })
  .refine((value) => value.fracture === (value.countClass !== '0'), {
    message: 'countClass must be 0 exactly when fracture is false',
  });

export type Amendment = z.infer<typeof amendmentSchema>;

export const withdrawalSchema = z.object({ reason: z.string().trim().min(1).max(500) });

const worklistSchema = z.object({
  status: z.enum(['preliminary', 'final', 'amended', 'entered-in-error']).optional(),
  urgency: z.enum(['urgent', 'soon', 'routine']).optional(),
  studyInstanceUid: z.string().max(64).optional(),
  patientId: z.string().max(64).optional(),
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export function parseWorklistQuery(raw: unknown): { filter: WorklistFilter; offset: number; limit: number } {
  const { offset, limit, ...filter } = parseInput(worklistSchema, raw);
  return { filter, offset, limit };
}
