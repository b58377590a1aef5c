import { matches, parseQuery, valueText } from '../../src/dicom/query-keys';
import { QueryIdentifierError } from '../../src/dicom/query.exception';

describe('C-FIND identifiers', () => {
  it('reads the level, keeps every requested key and turns only non-empty supported keys into matchers', () => {
    const query = parseQuery({
      QueryRetrieveLevel: 'study',
      PatientID: 'P1',
      StudyInstanceUID: '',
      PatientName: [{ Alphabetic: '' }],
      StudyDescription: 'x*',
    });
    expect(query.level).toBe('STUDY');
    expect(query.requestedKeys).toEqual(['PatientID', 'StudyInstanceUID', 'PatientName', 'StudyDescription']);
    expect([...query.matchers.keys()]).toEqual(['PatientID']);
    expect(() => parseQuery({ PatientID: 'P1' })).toThrow(QueryIdentifierError);
    expect(() => parseQuery({ QueryRetrieveLevel: 'FRAME' })).toThrow(QueryIdentifierError);
  });

  it('matches UID lists, date ranges open at either end, and wildcards only where the VR allows them', () => {
    const { matchers } = parseQuery({
      QueryRetrieveLevel: 'STUDY',
      StudyInstanceUID: '1.2.3\\1.2.4',
      StudyDate: '20261101-',
      PatientName: [{ Alphabetic: 'doe^j?ne*' }],
      AccessionNumber: 'A.1*',
      PatientBirthDate: '-19991231',
    });
    expect(matches(matchers.get('StudyInstanceUID')!, '1.2.4')).toBe(true);
    expect(matches(matchers.get('StudyInstanceUID')!, '1.2.5')).toBe(false);
    expect(matches(matchers.get('StudyDate')!, '20261125')).toBe(true);
    expect(matches(matchers.get('StudyDate')!, '20261031')).toBe(false);
    expect(matches(matchers.get('PatientBirthDate')!, '19800101')).toBe(true);
    expect(matches(matchers.get('PatientBirthDate')!, '')).toBe(false);
    expect(matches(matchers.get('PatientName')!, 'DOE^JANE^M')).toBe(true);
    expect(matches(matchers.get('PatientName')!, 'ROE^JANE')).toBe(false);
    // The dot is literal, not a regular-expression wildcard.
    expect(matches(matchers.get('AccessionNumber')!, 'A.123')).toBe(true);
    expect(matches(matchers.get('AccessionNumber')!, 'AX123')).toBe(false);
  });

  it('matches a multi-valued attribute when any value matches, and reads naturalised values as DICOM text', () => {
    const { matchers } = parseQuery({ QueryRetrieveLevel: 'STUDY', ModalitiesInStudy: 'DX' });
    expect(matches(matchers.get('ModalitiesInStudy')!, ['CR', 'DX'])).toBe(true);
    expect(matches(matchers.get('ModalitiesInStudy')!, ['CR'])).toBe(false);
    expect(valueText(['CR', 'DX'])).toBe('CR\\DX');
    expect(valueText([{ Alphabetic: 'DOE^JANE' }])).toBe('DOE^JANE');
    expect(valueText(undefined)).toBe('');
  });
});
