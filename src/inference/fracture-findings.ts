import type { FractureBox } from './fracture-boxes';
import type { HeatmapImage } from './heatmap.renderer';
import type { BodyPart, CountClass } from './model-card';

/** What the fracture model says about one image. A hint for the reader, never a diagnosis. */
export interface FractureFindings {
  readonly modelVersion: string;
  readonly fractureProbability: number;
  /** fractureProbability >= threshold. */
  readonly fracture: boolean;
  readonly threshold: number;
  readonly countClass: CountClass;
  readonly countProbabilities: Readonly<Record<CountClass, number>>;
  /** Body Part Examined when it names one of the model's regions, else the model's top part. */
  readonly bodyPart: BodyPart;
  readonly bodyPartSource: 'dicom' | 'model';
  /** The model's own top body part, whatever the DICOM header says. */
  readonly modelBodyPart: BodyPart;
  readonly bodyPartProbabilities: Readonly<Record<BodyPart, number>>;
  readonly heatmap: HeatmapImage;
  /** Models with a box head: fracture boxes on the original image, best first (none above score 0 = empty). */
  readonly boxes?: readonly FractureBox[];
  /** Size of the analysed image (first frame). */
  readonly image: { readonly width: number; readonly height: number };
  readonly timingsMs: {
    readonly read: number;
    readonly decode: number;
    readonly preprocess: number;
    readonly inference: number;
    readonly total: number;
  };
}
