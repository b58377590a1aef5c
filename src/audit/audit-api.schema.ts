import { z } from 'zod';
import { isoDate, pagedSchema } from '../common/openapi';

/** An audit entry as the API answers it (ids, counts and codes only). */
export const auditEntrySchema = z.object({
  id: z.string(),
  actorId: z.string(),
  actorUsername: z.string(),
  actorRole: z.string().describe('a role, anonymous (failed login) or system (a peer such as the RIS)'),
  action: z.string().describe('<resource>.<verb>, e.g. report.confirm'),
  resourceType: z.string(),
  resourceId: z.string(),
  details: z.record(z.unknown()).nullish(),
  at: isoDate,
});

export const auditPageSchema = pagedSchema(auditEntrySchema);
