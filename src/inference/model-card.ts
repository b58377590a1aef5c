import { z } from 'zod';
import { PEAK_METHODS, type PeakMethod } from './heatmap-peak';

/** models/current.json, written by training/package_model.py: which release is active. */
export const currentModelSchema = z.object({
  version: z.string().min(1).optional(),
  model: z.string().min(1),
  card: z.string().min(1),
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
});

/** The parts of the model card (osteon-fracture-<version>.card.json) the engine relies on. */
export const modelCardSchema = z.object({
  name: z.string().optional(),
  version: z.string().min(1),
  preprocessing: z.object({ S: z.number().int().positive() }),
  threshold: z.object({ value: z.number().gt(0).max(1) }),
  inputs: z
    .array(z.object({ name: z.string().min(1) }))
    .min(1)
    .optional(),
  outputs: z.array(z.object({ name: z.string().min(1) })),
  /** How the heat map's "where" point is found; cards before 1.1.0 have none (cell centre). */
  heatmap_peak: z.object({ method: z.enum(PEAK_METHODS) }).optional(),
  files: z
    .object({
      onnx_sha256: z
        .string()
        .regex(/^[0-9a-f]{64}$/)
        .optional(),
    })
    .optional(),
  validation: z
    .object({
      metrics: z
        .object({
          body_part: z
            .object({ order: z.array(z.string()).length(4) })
            .partial()
            .optional(),
          count: z
            .object({ classes: z.array(z.string()).length(3) })
            .partial()
            .optional(),
        })
        .partial()
        .optional(),
    })
    .partial()
    .optional(),
});

export type ModelCard = z.infer<typeof modelCardSchema>;

export const BODY_PARTS = ['hand', 'leg', 'hip', 'shoulder'] as const;
export type BodyPart = (typeof BODY_PARTS)[number];
export const COUNT_CLASSES = ['0', '1', '2+'] as const;
export type CountClass = (typeof COUNT_CLASSES)[number];

export const OUTPUT_NAMES = {
  fracture: 'fracture_prob',
  count: 'count_probs',
  bodyPart: 'body_part_probs',
  heatmap: 'heatmap',
} as const;

/**
 * Optional outputs of models with a box head (2.x): `boxes` [N, K, 4] (x1, y1, x2, y2 as
 * fractions of the letterboxed square's side, best first) and `box_scores` [N, K] (0 = padding).
 */
export const BOX_OUTPUT_NAMES = { boxes: 'boxes', scores: 'box_scores' } as const;

/** What the service needs to know about the loaded model, read from its card. */
export interface ModelDescription {
  readonly version: string;
  readonly sha256: string;
  readonly inputName: string;
  readonly inputSize: number;
  /** The card's operating point, or the site's OSTEON_FRACTURE_THRESHOLD. */
  readonly threshold: number;
  readonly cardThreshold: number;
  readonly bodyPartOrder: readonly BodyPart[];
  readonly countClasses: readonly CountClass[];
  readonly heatmapPeak: PeakMethod;
}

export function describeModel(card: ModelCard, sha256: string, thresholdOverride: number | undefined): ModelDescription {
  const order = card.validation?.metrics?.body_part?.order ?? [...BODY_PARTS];
  const classes = card.validation?.metrics?.count?.classes ?? [...COUNT_CLASSES];
  if (!order.every((part): part is BodyPart => (BODY_PARTS as readonly string[]).includes(part))) {
    throw new Error(`card body part order ${order.join(',')} names an unknown part`);
  }
  if (!classes.every((label): label is CountClass => (COUNT_CLASSES as readonly string[]).includes(label))) {
    throw new Error(`card count classes ${classes.join(',')} are not 0, 1, 2+`);
  }
  return {
    version: card.version,
    sha256,
    inputName: card.inputs?.[0]?.name ?? 'image',
    inputSize: card.preprocessing.S,
    threshold: thresholdOverride ?? card.threshold.value,
    cardThreshold: card.threshold.value,
    bodyPartOrder: order,
    countClasses: classes,
    heatmapPeak: card.heatmap_peak?.method ?? 'cell-centre',
  };
}
