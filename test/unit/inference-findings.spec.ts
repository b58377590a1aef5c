import sharp from 'sharp';
import { bodyPartFromDicom } from '../../src/inference/body-part';
import { evaluate, type ImagePrediction } from '../../src/inference/evaluation';
import { parseBoxes, parseLabels } from '../../src/inference/evaluation-labels';
import { renderHeatmap } from '../../src/inference/heatmap.renderer';

describe('heat map rendering', () => {
  const grid = { height: 4, width: 4 };
  const hotAt = (row: number, column: number): Float32Array => {
    const cells = new Float32Array(16).fill(0.1);
    cells[row * 4 + column] = 0.9;
    return cells;
  };

  it('maps the peak cell centre back through the letterbox to the original image', async () => {
    // 410 x 512 portrait: square side 512, 51 px of padding on the left.
    const { peak } = await renderHeatmap(hotAt(0, 1), grid, { width: 410, height: 512 });
    expect(peak.x).toBeCloseTo((1.5 * 128 - 51) / 410, 10);
    expect(peak.y).toBeCloseTo((0.5 * 128) / 512, 10);
  });

  it('clamps a peak that lies in the padding to the image edge', async () => {
    const { peak } = await renderHeatmap(hotAt(3, 3), grid, { width: 100, height: 400 });
    expect(peak).toEqual({ x: 1, y: (3.5 * 100) / 400 });
  });

  it('crops the padding so the PNG has the image aspect and is hottest at the peak', async () => {
    const { png, width, height, peak } = await renderHeatmap(hotAt(2, 1), grid, { width: 1000, height: 500 });
    expect([width, height]).toEqual([256, 128]);
    expect(await sharp(png).metadata()).toMatchObject({ format: 'png', width: 256, height: 128, channels: 1 });
    const { data } = await sharp(png).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    const hottest = data.indexOf(Math.max(...data));
    expect(Math.abs((hottest % 256) / 256 - peak.x)).toBeLessThan(0.05);
    expect(Math.abs(Math.floor(hottest / 256) / 128 - peak.y)).toBeLessThan(0.1);
  });
});

describe('body part from the DICOM header', () => {
  it.each([
    ['WRIST', 'hand'],
    ['finger', 'hand'],
    ['ANKLE', 'leg'],
    ['LOWER LEG', 'leg'],
    ['PELVIS', 'hip'],
    ['CLAVICLE', 'shoulder'],
  ])('maps %s to %s', (value, part) => {
    expect(bodyPartFromDicom(value)).toBe(part);
  });

  it('leaves regions the model does not know to the model', () => {
    expect(bodyPartFromDicom('CHEST')).toBeUndefined();
    expect(bodyPartFromDicom('')).toBeUndefined();
    expect(bodyPartFromDicom(undefined)).toBeUndefined();
  });
});

describe('evaluation of a labelled set', () => {
  const labels = parseLabels(
    [
      'image_id,hand,leg,hip,shoulder,mixed,hardware,multiscan,fractured,fracture_count,frontal,lateral,oblique',
      'a.jpg,1,0,0,0,0,0,0,1,1,1,0,0',
      'b.jpg,0,1,0,0,0,1,0,1,3,1,0,0',
      'c.jpg,0,0,1,0,0,0,0,0,0,1,0,0',
      'd.jpg,0,0,0,0,0,0,0,0,0,1,0,0',
      'e.jpg,1,0,0,1,1,0,0,1,0,1,0,0',
    ].join('\n'),
  );
  const boxes = parseBoxes(
    'image_id,x_center,y_center,width,height\na.jpg,0.5,0.5,0.2,0.2\nb.jpg,0.1,0.1,0.1,0.1\nb.jpg,0.9,0.9,0.1,0.1\n',
  );
  const predict = (
    imageId: string,
    fractureProbability: number,
    part: ImagePrediction['modelBodyPart'],
    peak: { x: number; y: number },
    countClass: ImagePrediction['countClass'] = '1',
  ): [string, ImagePrediction] => [imageId, { imageId, fractureProbability, countClass, modelBodyPart: part, peak, totalMs: 10 }];
  const predictions = new Map([
    predict('a.jpg', 0.9, 'hand', { x: 0.55, y: 0.45 }),
    predict('b.jpg', 0.6, 'hip', { x: 0.5, y: 0.5 }, '2+'),
    predict('c.jpg', 0.7, 'hip', { x: 0.5, y: 0.5 }, '0'),
    predict('d.jpg', 0.1, 'hand', { x: 0.5, y: 0.5 }, '0'),
    predict('e.jpg', 0.8, 'shoulder', { x: 0.5, y: 0.5 }),
  ]);

  it('reads counts and body parts with the trainer rules', () => {
    expect(labels.map((label) => label.countClass)).toEqual([1, 2, 0, 0, -1]);
    expect(labels.map((label) => label.hasBodyPartFlags)).toEqual([true, true, true, false, true]);
    expect(boxes.get('b.jpg')).toHaveLength(2);
  });

  it('computes every headline metric', () => {
    const report = evaluate(labels, predictions, 'v1', 0.65, boxes);
    expect(report).toMatchObject({
      n: 5,
      nFractured: 3,
      auroc: 5 / 6,
      sensitivity: 2 / 3,
      specificity: 1 / 2,
      accuracy: 3 / 5,
      bodyPartAccuracy: 3 / 4,
      auroc_noHardware: 1,
      nNoHardware: 4,
      pointingGame: 1 / 2,
      pointingGameN: 2,
      countN: 4,
      countMacroF1: 1,
    });
  });

  it('fails when an image has no prediction', () => {
    expect(() => evaluate(labels, new Map(), 'v1', 0.5)).toThrow(/no prediction for a\.jpg/);
  });
});
