import { z } from 'zod';
import type { StudyQuery } from './studies.service';

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD');
const schema = z.object({
  patientId: z.string().min(1).max(64).optional(),
  from: day.optional(),
  to: day.optional(),
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export function parseStudyQuery(raw: Record<string, string | undefined>): { ok: true; query: StudyQuery } | { ok: false; error: string } {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { ok: true, query: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, error: `${String(issue?.path[0] ?? 'query')} ${issue?.message ?? 'is invalid'}` };
}
