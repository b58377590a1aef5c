import { z } from 'zod';
import { parseInput } from '../common/invalid-input.exception';
import type { WorklistFilter, WorklistOrder } from './worklist-query';

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

const reportStatus = z.enum(['preliminary', 'final', 'amended', 'entered-in-error']);
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD');

const worklistSchema = z.object({
  /** One status or several, comma-separated (`final,amended`: the signed reports). */
  status: z
    .string()
    .max(80)
    .transform((value) => value.split(',').filter((part) => part.length > 0))
    .pipe(z.array(reportStatus).min(1).max(4))
    .optional(),
  urgency: z.enum(['urgent', 'soon', 'routine']).optional(),
  studyInstanceUid: z.string().max(64).optional(),
  patientId: z.string().max(64).optional(),
  /** `me`: reports the caller has taken. */
  assignedTo: z.literal('me').optional(),
  bodyPart: bodyPart.optional(),
  /** Patient name, patient id or accession number, a part of it. */
  q: z.string().trim().max(64).optional(),
  /** Study date on or after this day (the day of receipt where the images had no StudyDate). */
  from: day.optional(),
  /** Study date on or before this day (the day of receipt where the images had no StudyDate). */
  to: day.optional(),
  order: z.enum(['urgency', 'newest']).default('urgency'),
  /** `deliveries`: each row carries its delivery states (the operator's view, one request). */
  include: z.literal('deliveries').optional(),
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export interface WorklistQuery {
  readonly filter: WorklistFilter;
  readonly order: WorklistOrder;
  readonly withDeliveries: boolean;
  readonly offset: number;
  readonly limit: number;
}

export function parseWorklistQuery(raw: unknown, callerId: string): WorklistQuery {
  const parsed = parseInput(worklistSchema, raw);
  const status = parsed.status && parsed.status.length === 1 ? parsed.status[0] : parsed.status;
  const filter: WorklistFilter = {
    ...(status ? { status } : {}),
    ...(parsed.urgency ? { urgency: parsed.urgency } : {}),
    ...(parsed.studyInstanceUid ? { studyInstanceUid: parsed.studyInstanceUid } : {}),
    ...(parsed.patientId ? { patientId: parsed.patientId } : {}),
    ...(parsed.assignedTo === 'me' ? { assignedToId: callerId } : {}),
    ...(parsed.bodyPart ? { bodyPart: parsed.bodyPart } : {}),
    ...(parsed.q ? { search: parsed.q } : {}),
    ...(parsed.from ? { studyFrom: parsed.from } : {}),
    ...(parsed.to ? { studyTo: parsed.to } : {}),
  };
  return { filter, order: parsed.order, withDeliveries: parsed.include === 'deliveries', offset: parsed.offset, limit: parsed.limit };
}
