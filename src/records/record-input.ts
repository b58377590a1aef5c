import { z } from 'zod';

const dicomDate = z
  .string()
  .trim()
  .regex(/^\d{4}-?\d{2}-?\d{2}$/, 'must be YYYY-MM-DD or YYYYMMDD')
  .transform((value) => value.replace(/-/g, ''));

/** Patient identity and study context typed in by the administrative worker. */
export const recordInputSchema = z.object({
  patientId: z.string().trim().min(1).max(64),
  patientName: z.string().trim().max(64).optional(),
  birthDate: dicomDate.optional(),
  sex: z.enum(['M', 'F', 'O']).optional(),
  accessionNumber: z.string().trim().max(16).optional(),
  /** The day the images were taken (YYYY-MM-DD); the upload day when absent. */
  studyDate: dicomDate.optional(),
  bodyPart: z
    .string()
    .trim()
    .max(16)
    .transform((value) => value.toUpperCase())
    .optional(),
});

export type RecordInput = z.infer<typeof recordInputSchema>;

/** One uploaded file, as multer wrote it to disk (never held in memory whole). */
export interface UploadedImage {
  readonly originalName: string;
  readonly mimeType: string;
  readonly path: string;
}
