import { InferenceErrorCode, InferenceException } from './inference.exception';
import { BOX_OUTPUT_NAMES, OUTPUT_NAMES } from './model-card';
import type { TensorMessage } from './model.worker';

/** Raw model outputs for a batch of N images, row-major. */
export interface ModelOutputs {
  readonly count: number;
  readonly fracture: Float32Array;
  readonly countProbabilities: Float32Array;
  readonly bodyPartProbabilities: Float32Array;
  readonly heatmap: { readonly data: Float32Array; readonly height: number; readonly width: number };
  /** Models with a box head: `perImage` boxes per image (corners in the letterboxed square) and their scores. */
  readonly boxes?: { readonly corners: Float32Array; readonly scores: Float32Array; readonly perImage: number };
}

type ReadTensor = (name: string, perImage?: number) => { data: Float32Array; dims: readonly number[] };

/** The model's named output tensors for a batch, checked against the shapes the card promises. */
export function readOutputs(outputs: Readonly<Record<string, TensorMessage>>, count: number): ModelOutputs {
  const tensor: ReadTensor = (name, perImage) => {
    const value = outputs[name];
    if (!value || value.type !== 'float32' || value.dims[0] !== count) {
      throw new InferenceException(InferenceErrorCode.InferenceFailed, `output ${name} is missing or not float32 [${count}, ...]`);
    }
    if (perImage !== undefined && value.data.length !== count * perImage) {
      throw new InferenceException(
        InferenceErrorCode.InferenceFailed,
        `output ${name} has shape [${value.dims.join(',')}], expected ${perImage} values per image`,
      );
    }
    return { data: value.data, dims: value.dims };
  };
  const heat = tensor(OUTPUT_NAMES.heatmap);
  const height = heat.dims[heat.dims.length - 2] ?? 0;
  const width = heat.dims[heat.dims.length - 1] ?? 0;
  if (heat.dims.length < 3 || height * width * count !== heat.data.length) {
    throw new InferenceException(
      InferenceErrorCode.InferenceFailed,
      `output heatmap has shape [${heat.dims.join(',')}], expected [N, h, w]`,
    );
  }
  return {
    count,
    fracture: tensor(OUTPUT_NAMES.fracture, 1).data,
    countProbabilities: tensor(OUTPUT_NAMES.count, 3).data,
    bodyPartProbabilities: tensor(OUTPUT_NAMES.bodyPart, 4).data,
    heatmap: { data: heat.data, height, width },
    ...(outputs[BOX_OUTPUT_NAMES.boxes] ? { boxes: readBoxes(tensor, count) } : {}),
  };
}

/** The optional box head: `boxes` [N, K, 4] and `box_scores` [N, K]; a model without them has no boxes. */
function readBoxes(tensor: ReadTensor, count: number): NonNullable<ModelOutputs['boxes']> {
  const corners = tensor(BOX_OUTPUT_NAMES.boxes);
  const perImage = corners.dims.length === 3 && corners.dims[2] === 4 ? corners.dims[1]! : -1;
  if (perImage < 0 || corners.data.length !== count * perImage * 4) {
    throw new InferenceException(
      InferenceErrorCode.InferenceFailed,
      `output boxes has shape [${corners.dims.join(',')}], expected [N, K, 4]`,
    );
  }
  return { corners: corners.data, scores: tensor(BOX_OUTPUT_NAMES.scores, perImage).data, perImage };
}
