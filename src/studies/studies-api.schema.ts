import { z } from 'zod';
import { isoDate, pagedSchema } from '../common/openapi';

/** What the study routes answer, for the OpenAPI document. */
export const studySummarySchema = z.object({
  studyInstanceUid: z.string(),
  patientId: z.string().nullish(),
  accessionNumber: z.string().nullish(),
  studyDay: z.string().describe('YYYY-MM-DD'),
  instanceCount: z.number().int(),
  firstReceivedAt: isoDate,
  lastReceivedAt: isoDate,
});

export const studyPageSchema = pagedSchema(studySummarySchema);

export const studySchema = z.object({
  studyInstanceUid: z.string(),
  patientId: z.string().nullish(),
  accessionNumber: z.string().nullish(),
  studyDay: z.string(),
  instances: z.array(
    z.object({
      sopInstanceUid: z.string(),
      seriesInstanceUid: z.string(),
      sopClassUid: z.string(),
      transferSyntaxUid: z.string(),
      size: z.number().int(),
      sha256: z.string(),
      receivedAt: isoDate,
      version: z.number().int(),
      conflict: z.boolean(),
      bodyPartExamined: z.string().nullish(),
    }),
  ),
});

export const STUDY_EXAMPLE = {
  studyInstanceUid: '2.25.99423436668479792020688704337347518848',
  patientId: 'DEMO-1',
  studyDay: '2026-12-02',
  instanceCount: 1,
  firstReceivedAt: '2026-12-02T06:30:56.291Z',
  lastReceivedAt: '2026-12-02T06:30:56.291Z',
};
