import { InferenceErrorCode, InferenceException } from '../../src/inference/inference.exception';
import { readOutputs } from '../../src/inference/model-outputs';
import type { TensorMessage } from '../../src/inference/model.worker';

const tensor = (dims: number[], fill = 0.5): TensorMessage => ({
  type: 'float32',
  dims,
  data: new Float32Array(dims.reduce((total, size) => total * size, 1)).fill(fill),
});

// What a 1.0.x model gives for a batch of two: no box head.
const withoutBoxes = (): Record<string, TensorMessage> => ({
  fracture_prob: tensor([2, 1]),
  count_probs: tensor([2, 3]),
  body_part_probs: tensor([2, 4]),
  heatmap: tensor([2, 16, 16]),
});

describe('model outputs', () => {
  it('reads a model without a box head and gives no boxes', () => {
    const outputs = readOutputs(withoutBoxes(), 2);
    expect(outputs.heatmap).toMatchObject({ height: 16, width: 16 });
    expect(outputs.boxes).toBeUndefined();
  });

  it('reads the box head: K boxes per image with their scores', () => {
    const outputs = readOutputs({ ...withoutBoxes(), boxes: tensor([2, 5, 4]), box_scores: tensor([2, 5], 0.3) }, 2);
    expect(outputs.boxes?.perImage).toBe(5);
    expect(outputs.boxes?.corners).toHaveLength(40);
    expect(outputs.boxes?.scores).toHaveLength(10);
  });

  it('refuses boxes that are not [N, K, 4] and boxes without their scores', () => {
    const failure = (outputs: Record<string, TensorMessage>): unknown => {
      try {
        readOutputs(outputs, 2);
      } catch (error) {
        return error;
      }
      return undefined;
    };
    for (const outputs of [
      { ...withoutBoxes(), boxes: tensor([2, 5, 3]), box_scores: tensor([2, 5]) },
      { ...withoutBoxes(), boxes: tensor([2, 5, 4]) },
      { ...withoutBoxes(), boxes: tensor([2, 5, 4]), box_scores: tensor([2, 4]) },
    ]) {
      const error = failure(outputs);
      expect(error).toBeInstanceOf(InferenceException);
      expect((error as InferenceException).code).toBe(InferenceErrorCode.InferenceFailed);
    }
  });
});
