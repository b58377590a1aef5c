import sharp from 'sharp';
import { bodyPartFromDicom } from '../../src/inference/body-part';
import { evaluate, type ImagePrediction } from '../../src/inference/evaluation';
import { parseBoxes, parseLabels } from '../../src/inference/evaluation-labels';
import { boxesOnImage } from '../../src/inference/fracture-boxes';
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
    // (0.1² + 0.4² + 0.7² + 0.1² + 0.2²) / 5
    expect(report.brier).toBeCloseTo(0.142, 12);
  });

  it('reports calibration, 2+ recall and ROC-AUC per body part', () => {
    const report = evaluate(labels, predictions, 'v1', 0.65);
    // bins: 0.1 (d, 0), 0.6 (b, 1), 0.7 (c, 0), 0.8 (e, 1), 0.9 (a, 1)
    expect(report.ece).toBeCloseTo((0.1 + 0.4 + 0.7 + 0.2 + 0.1) / 5, 12);
    expect(report.reliability).toHaveLength(10);
    // hand images a and e are both fractured: no ROC-AUC without a negative
    expect(report).toMatchObject({
      count2PlusRecall: 1,
      count2PlusN: 1,
      auroc_hand: null,
      auroc_leg: null,
      auroc_hip: null,
      auroc_shoulder: null,
    });
    const more = [...labels, ...parseLabels('image_id,hand,leg,hip,shoulder,fractured,fracture_count\nf.jpg,1,0,0,0,0,0\n')];
    const ranked = evaluate(more, new Map([...predictions, predict('f.jpg', 0.85, 'hand', { x: 0.5, y: 0.5 }, '0')]), 'v1', 0.65);
    expect(ranked.auroc_hand).toBe(0.5); // a (0.9) above f (0.85), e (0.8) below
    expect(report).not.toHaveProperty('ap50');
  });

  it('points with the top box and scores boxes by AP50 when the model has boxes', () => {
    const box = (x: number, y: number, score: number, size = 0.2): { x1: number; y1: number; x2: number; y2: number; score: number } => ({
      x1: x - size / 2,
      y1: y - size / 2,
      x2: x + size / 2,
      y2: y + size / 2,
      score,
    });
    const withBoxes = new Map([...predictions].map(([id, prediction]) => [id, { ...prediction, boxes: [] as ReturnType<typeof box>[] }]));
    // a: a weaker box off target first in the list, the top box on a's fracture; b: top box on the second of its two.
    withBoxes.set('a.jpg', { ...withBoxes.get('a.jpg')!, boxes: [box(0.2, 0.2, 0.3), box(0.5, 0.5, 0.8)] });
    withBoxes.set('b.jpg', { ...withBoxes.get('b.jpg')!, boxes: [box(0.9, 0.9, 0.6, 0.1)] });
    withBoxes.set('c.jpg', { ...withBoxes.get('c.jpg')!, boxes: [box(0.5, 0.5, 0.7)] });
    const report = evaluate(labels, withBoxes, 'v2', 0.65, boxes);
    expect(report).toMatchObject({ pointingGame: 1, pointingGameN: 2, pointingGameRule: 'top-box-centre', ap50Images: 4, ap50Boxes: 3 });
    // Ranked: a 0.8 (hit), c 0.7 (no fracture: false positive), b 0.6 (hit), a 0.3 (miss); 3 boxes to find.
    expect(report.ap50).toBeCloseTo((1 / 3) * 1 + (1 / 3) * (2 / 3), 12);
    // Without boxes the heat-map rule stays.
    expect(evaluate(labels, predictions, 'v1', 0.65, boxes).pointingGameRule).toBe('heatmap-peak');
  });

  it('fails when an image has no prediction', () => {
    expect(() => evaluate(labels, new Map(), 'v1', 0.5)).toThrow(/no prediction for a\.jpg/);
  });
});

describe('fracture boxes on the original image', () => {
  it('maps square-normalised corners back through the letterbox, drops padding entries and clips', () => {
    // 410 x 512 portrait: square side 512, 51 px of padding on the left.
    const output = {
      corners: new Float32Array([0.5, 0.25, 0.625, 0.5, 0, 0, 0.05, 0.05, 0.9, 0.9, 1.1, 1.1, 0, 0, 0, 0]),
      scores: new Float32Array([0.8, 0.4, 0.3, 0]),
      perImage: 4,
    };
    const boxes = boxesOnImage(output, 0, { width: 410, height: 512 });
    expect(boxes).toHaveLength(2);
    expect(boxes[0]!.x1).toBeCloseTo((256 - 51) / 410, 6);
    expect(boxes[0]!.x2).toBeCloseTo((320 - 51) / 410, 6);
    expect(boxes[0]!.y1).toBeCloseTo(0.25, 6);
    expect(boxes[0]!.score).toBeCloseTo(0.8, 6);
    // the second box lies wholly in the left padding (x < 51 px): dropped; the third is clipped to the image
    expect(boxes[1]).toMatchObject({ x2: 1, y2: 1 });
    expect(boxes[1]!.score).toBeCloseTo(0.3, 6);
  });
});
