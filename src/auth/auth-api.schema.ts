import { z } from 'zod';
import { ROLES } from '../access/role';
import { createUserSchema, loginSchema, USERNAME_PATTERN } from './user-input';

/** What the auth routes answer, for the OpenAPI document (requests are the schemas in user-input.ts). */
export const userViewSchema = z.object({
  id: z.string(),
  username: z.string(),
  role: z.enum(ROLES),
  displayName: z.string(),
  patientId: z.string().nullish(),
  externalIds: z.array(z.string()).nullish(),
  createdAt: z.string().datetime(),
  disabled: z.boolean(),
});

export const loginResultSchema = z.object({
  accessToken: z.string(),
  tokenType: z.literal('Bearer'),
  expiresIn: z.number().int().describe('seconds'),
  role: z.enum(ROLES),
});

export const setupStatusSchema = z.object({
  firstOperatorNeeded: z.boolean().describe('no user exists yet'),
  setupCodeNeeded: z.boolean().describe('this caller is not on the local machine: the start-up log’s setup code is needed'),
});

export const firstOperatorSchema = z
  .object({
    username: z.string().regex(USERNAME_PATTERN),
    displayName: z.string().min(1).max(128),
    password: z.string().min(12).max(256),
  })
  .strict();

export const AUTH_EXAMPLES = {
  login: { username: 'alice', password: 'plaid-otter-rowing-quietly-42' },
  loginResult: { accessToken: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9…', tokenType: 'Bearer', expiresIn: 28800, role: 'doctor' },
  createUser: {
    username: 'dr.grey',
    password: 'plaid-otter-rowing-quietly-42',
    role: 'doctor',
    displayName: 'Dr Grey',
    externalIds: ['RIS-4711'],
  },
  user: {
    id: '6650f1c2a1b2c3d4e5f60718',
    username: 'dr.grey',
    role: 'doctor',
    displayName: 'Dr Grey',
    createdAt: '2026-12-02T06:00:00.000Z',
    disabled: false,
  },
} as const;

export { createUserSchema, loginSchema };
