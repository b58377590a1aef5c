import type { AnalysedImage, ImageFindings } from '../../src/reports/findings';
import { studyFindingsOf } from '../../src/reports/study-findings';
import { urgencyOf } from '../../src/reports/urgency.policy';

const rules = { urgentBodyParts: ['hip'], urgentMinCountClass: '2+' as const };

function image(findings: Partial<ImageFindings>): AnalysedImage {
  return {
    sopInstanceUid: Math.random().toString(),
    instanceId: 'i',
    sha256: 's',
    blobKey: 'k',
    heatmapId: undefined,
    findings: {
      modelVersion: '1.0.0',
      fractureProbability: 0.1,
      fracture: false,
      threshold: 0.3,
      countClass: '0',
      countProbabilities: [1, 0, 0],
      bodyPart: 'hand',
      bodyPartSource: 'model',
      bodyPartProbabilities: [1, 0, 0, 0],
      peak: undefined,
      ...findings,
    },
  };
}

describe('urgency rule', () => {
  it('makes a negative routine, a positive soon, a hip or 2+ positive urgent', () => {
    expect(urgencyOf(false, '0', 'hip', rules)).toBe('routine');
    expect(urgencyOf(true, '1', 'hand', rules)).toBe('soon');
    expect(urgencyOf(true, '1', 'hip', rules)).toBe('urgent');
    expect(urgencyOf(true, '2+', 'leg', rules)).toBe('urgent');
  });

  it('follows the site configuration', () => {
    expect(urgencyOf(true, '1', 'shoulder', { urgentBodyParts: ['shoulder'], urgentMinCountClass: 'never' })).toBe('urgent');
    expect(urgencyOf(true, '2+', 'leg', { urgentBodyParts: [], urgentMinCountClass: 'never' })).toBe('soon');
  });
});

describe('study-level findings', () => {
  it('is positive when any view is, with the most suspicious view’s probability and body part', () => {
    const findings = studyFindingsOf(
      [
        image({ fractureProbability: 0.2, bodyPart: 'hand' }),
        image({ fractureProbability: 0.7, fracture: true, countClass: '1', bodyPart: 'leg' }),
      ],
      rules,
    );
    expect(findings).toEqual({ fracture: true, probability: 0.7, countClass: '1', bodyPart: 'leg', urgency: 'soon' });
  });

  it('never reports a positive study with zero fractures, and takes the worst count', () => {
    const findings = studyFindingsOf(
      [
        image({ fractureProbability: 0.6, fracture: true, countClass: '0' }),
        image({ fractureProbability: 0.5, fracture: true, countClass: '2+' }),
      ],
      rules,
    );
    expect(findings.countClass).toBe('2+');
    expect(findings.urgency).toBe('urgent');
  });

  it('is negative with count 0 when no view is positive', () => {
    expect(studyFindingsOf([image({ countClass: '1' })], rules)).toMatchObject({ fracture: false, countClass: '0', urgency: 'routine' });
  });
});
