import { z } from 'zod';
import type { AuditSearch } from './audit-entry';

const instant = z
  .string()
  .refine((value) => !Number.isNaN(Date.parse(value)), 'must be an ISO 8601 date or date-time')
  .transform((value) => new Date(value));
const text = z.string().min(1).max(128);
const schema = z.object({
  actorId: text.optional(),
  resourceType: text.optional(),
  resourceId: text.optional(),
  action: text.optional(),
  from: instant.optional(),
  to: instant.optional(),
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export function parseAuditQuery(raw: Record<string, string | undefined>): { ok: true; query: AuditSearch } | { ok: false; error: string } {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { ok: true, query: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, error: `${String(issue?.path[0] ?? 'query')} ${issue?.message ?? 'is invalid'}` };
}
