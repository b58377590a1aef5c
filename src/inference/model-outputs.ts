import { InferenceErrorCode, InferenceException } from './inference.exception';
import { OUTPUT_NAMES } from './model-card';
import type { TensorMessage } from './model.worker';

/** Raw model outputs for a batch of N images, row-major. */
export interface ModelOutputs {
  readonly count: number;
  readonly fracture: Float32Array;
  readonly countProbabilities: Float32Array;
  readonly bodyPartProbabilities: Float32Array;
  readonly heatmap: { readonly data: Float32Array; readonly height: number; readonly width: number };
}

/** The model's named output tensors for a batch, checked against the shapes the card promises. */
export function readOutputs(outputs: Readonly<Record<string, TensorMessage>>, count: number): ModelOutputs {
  const tensor = (name: string, perImage?: number): { data: Float32Array; dims: readonly number[] } => {
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
  };
}
