import { z } from 'zod';
import { ROLES } from '../access/role';

export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._@-]{2,63}$/;

const username = z.string().trim().toLowerCase().regex(USERNAME_PATTERN, 'must be 3-64 characters: lower-case letters, digits, . _ @ -');

export const createUserSchema = z
  .object({
    username,
    password: z.string().min(12, 'must be at least 12 characters').max(256),
    role: z.enum(ROLES),
    displayName: z.string().trim().min(1).max(128),
    patientId: z.string().trim().min(1).max(64).optional(),
    /** How other systems name this doctor: the RIS's OBR-32 id, a FHIR Practitioner reference or identifier value. */
    externalIds: z.array(z.string().trim().min(1).max(128)).max(20).optional(),
  })
  .strict()
  .refine((user) => user.role === 'doctor' || user.externalIds === undefined, {
    path: ['externalIds'],
    message: 'is only for role doctor',
  })
  .refine((user) => user.role !== 'patient' || user.patientId !== undefined, {
    path: ['patientId'],
    message: 'is required for role patient',
  })
  .refine((user) => user.role === 'patient' || user.patientId === undefined, {
    path: ['patientId'],
    message: 'is only for role patient',
  });

export type CreateUserInput = z.infer<typeof createUserSchema>;

export const loginSchema = z.object({
  username: z.string().trim().toLowerCase().min(1).max(64),
  password: z.string().min(1).max(256),
});

/** One line naming the first bad field (never echoing its value: it may be a password). */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return `${String(issue?.path[0] ?? 'body')} ${issue?.message ?? 'is invalid'}`;
}
