import { BODY_PARTS, type BodyPart } from './model-card';

/** One labels.csv row in the FracAtlas layout; unknown values are -1. */
export interface LabelledImage {
  readonly imageId: string;
  readonly fractured: number;
  /** 0, 1 or 2 (= 2+), or -1 when unknown or inconsistent (fractured with count 0). */
  readonly countClass: number;
  readonly hardware: number;
  readonly bodyParts: ReadonlySet<BodyPart>;
  readonly hasBodyPartFlags: boolean;
}

/** Normalised YOLO box: centre, width and height as fractions of the original image. */
export interface Box {
  readonly xCenter: number;
  readonly yCenter: number;
  readonly width: number;
  readonly height: number;
}

/** Plain comma-separated values as FracAtlas ships them (a header row, no quoting). */
export function parseCsv(text: string): Array<Record<string, string>> {
  const lines = text.split(/\r?\n/).filter((line) => line.trim().length > 0);
  const header = (lines.shift() ?? '').split(',').map((name) => name.trim());
  return lines.map((line) => {
    const cells = line.split(',');
    return Object.fromEntries(header.map((name, index) => [name, (cells[index] ?? '').trim()]));
  });
}

/** Reads labels with the trainer's rules (training/data.py) so metrics mean the same thing. */
export function parseLabels(text: string): LabelledImage[] {
  return parseCsv(text)
    .filter((row) => (row.image_id ?? '').length > 0)
    .map((row) => {
      const count = integerOr(row.fracture_count);
      let fractured = integerOr(row.fractured);
      if (fractured === -1 && count >= 0) fractured = count > 0 ? 1 : 0;
      let countClass = -1;
      if (count >= 0) countClass = fractured === 1 && count === 0 ? -1 : Math.min(count, 2);
      else if (fractured === 0) countClass = 0;
      const flags = BODY_PARTS.map((part) => integerOr(row[part]));
      return {
        imageId: row.image_id!,
        fractured,
        countClass,
        hardware: integerOr(row.hardware),
        bodyParts: new Set(BODY_PARTS.filter((_, k) => flags[k] === 1)),
        hasBodyPartFlags: flags.some((flag) => flag === 1),
      };
    });
}

export function parseBoxes(text: string): Map<string, Box[]> {
  const boxes = new Map<string, Box[]>();
  for (const row of parseCsv(text)) {
    const box = { xCenter: Number(row.x_center), yCenter: Number(row.y_center), width: Number(row.width), height: Number(row.height) };
    if (!row.image_id || !Object.values(box).every(Number.isFinite) || box.width <= 0 || box.height <= 0) continue;
    boxes.set(row.image_id, [...(boxes.get(row.image_id) ?? []), box]);
  }
  return boxes;
}

export function pointInBox(point: { x: number; y: number }, box: Box): boolean {
  return (
    point.x >= box.xCenter - box.width / 2 &&
    point.x <= box.xCenter + box.width / 2 &&
    point.y >= box.yCenter - box.height / 2 &&
    point.y <= box.yCenter + box.height / 2
  );
}

function integerOr(value: string | undefined, fallback = -1): number {
  const parsed = Number.parseFloat(value ?? '');
  return Number.isFinite(parsed) ? Math.trunc(parsed) : fallback;
}
