import type { Document } from 'bson';
import { matcherOf } from '../../src/database/embedded/document-query';
import { parseWorklistQuery } from '../../src/reports/review-input';
import { worklistQuery, worklistSort } from '../../src/reports/worklist-query';
import { InvalidInputException } from '../../src/common/invalid-input.exception';

const REPORTS: Document[] = [
  {
    name: 'anna',
    status: 'preliminary',
    urgency: 'urgent',
    accessionNumber: 'ACC-100',
    patient: { patientId: 'P-1', name: 'KONSOLE^ANNA' },
    findings: { bodyPart: 'hip' },
    assignedTo: { id: 'doc-1', username: 'dr-one' },
    // Taken on the 14th, sent to Osteon days later: the study date counts, not the day of receipt.
    studyDate: '2026-03-14',
    firstReceivedAt: new Date('2026-03-17T08:00:00Z'),
  },
  {
    name: 'bert',
    status: 'final',
    urgency: 'routine',
    accessionNumber: 'ACC-200',
    patient: { patientId: 'P-2', name: 'MEIER^BERT' },
    findings: { bodyPart: 'hand' },
    review: { verdict: { bodyPart: 'hand' } },
    // Written before reports kept the study date: the day it was received stands in.
    firstReceivedAt: new Date('2026-03-15T23:59:00Z'),
  },
  {
    name: 'carla',
    status: 'amended',
    urgency: 'soon',
    accessionNumber: undefined,
    patient: { patientId: 'P-3', name: 'ROSSI^CARLA' },
    // The AI said hand, the doctor signed leg: the signed body part counts.
    findings: { bodyPart: 'hand' },
    review: { verdict: { bodyPart: 'leg' } },
    studyDate: '2026-03-16',
    firstReceivedAt: new Date('2026-03-16T00:00:00Z'),
  },
];

function names(raw: Record<string, string>, callerId = 'doc-1'): string[] {
  const { filter } = parseWorklistQuery(raw, callerId);
  const matches = matcherOf(worklistQuery(filter));
  return REPORTS.filter(matches).map((report) => report.name as string);
}

describe('worklist query (run by the embedded database matcher)', () => {
  it('shows the signed view as final and amended reports', () => {
    expect(names({ status: 'final,amended' })).toEqual(['bert', 'carla']);
    expect(names({ status: 'preliminary' })).toEqual(['anna']);
    expect(names({})).toEqual(['anna', 'bert', 'carla']);
  });

  it('shows "mine" as the reports the caller took', () => {
    expect(names({ assignedTo: 'me' }, 'doc-1')).toEqual(['anna']);
    expect(names({ assignedTo: 'me' }, 'doc-2')).toEqual([]);
  });

  it('filters by urgency and by the signed body part, else the AI draft’s', () => {
    expect(names({ urgency: 'soon' })).toEqual(['carla']);
    expect(names({ bodyPart: 'hand' })).toEqual(['bert']);
    expect(names({ bodyPart: 'leg' })).toEqual(['carla']);
    expect(names({ bodyPart: 'hip' })).toEqual(['anna']);
  });

  it('finds a patient by a part of the name, the patient id or the accession, ignoring case and regex characters', () => {
    expect(names({ q: 'anna' })).toEqual(['anna']);
    expect(names({ q: 'p-2' })).toEqual(['bert']);
    expect(names({ q: 'acc-' })).toEqual(['anna', 'bert']);
    expect(names({ q: '.*' })).toEqual([]);
    expect(names({ q: 'rossi', status: 'final,amended', bodyPart: 'leg' })).toEqual(['carla']);
  });

  it('takes a date range over the study date by whole days, both ends included, the day received where no study date was kept', () => {
    expect(names({ from: '2026-03-15', to: '2026-03-15' })).toEqual(['bert']);
    expect(names({ from: '2026-03-15' })).toEqual(['bert', 'carla']);
    expect(names({ to: '2026-03-14' })).toEqual(['anna']);
    // Anna arrived on the 17th: no match for the day of receipt.
    expect(names({ from: '2026-03-17', to: '2026-03-17' })).toEqual([]);
    expect(names({ from: '2026-03-14', to: '2026-03-16', q: 'anna' })).toEqual(['anna']);
  });

  it('refuses an unknown status, a bad date and a body part it does not know', () => {
    expect(() => parseWorklistQuery({ status: 'final,signed' }, 'x')).toThrow(InvalidInputException);
    expect(() => parseWorklistQuery({ from: '14.03.2026' }, 'x')).toThrow(InvalidInputException);
    expect(() => parseWorklistQuery({ bodyPart: 'skull' }, 'x')).toThrow(InvalidInputException);
  });

  it('orders the reading list by urgency and the signed list newest first, and says when deliveries are wanted', () => {
    expect(parseWorklistQuery({}, 'x')).toMatchObject({ order: 'urgency', withDeliveries: false, offset: 0, limit: 50 });
    expect(parseWorklistQuery({ order: 'newest', include: 'deliveries' }, 'x')).toMatchObject({ order: 'newest', withDeliveries: true });
    expect(worklistSort('urgency')).toEqual({ urgencyRank: 1, createdAt: 1 });
    expect(worklistSort('newest')).toEqual({ finalAt: -1, firstReceivedAt: -1 });
  });
});
