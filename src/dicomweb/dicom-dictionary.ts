import { data as dcmjsData } from 'dcmjs';

/** One attribute of the DICOM data dictionary (dcmjs's copy of PS3.6). */
export interface AttributeDefinition {
  readonly keyword: string;
  /** Eight upper-case hex digits, as DICOM JSON keys them: `00100010`. */
  readonly tag: string;
  readonly vr: string;
}

const { DicomMetaDictionary } = dcmjsData;

/** An attribute named by keyword (`PatientName`) or tag (`00100010`), as QIDO-RS allows; undefined if there is none. */
export function attributeOf(id: string): AttributeDefinition | undefined {
  const byTag = /^[0-9a-fA-F]{8}$/.test(id)
    ? DicomMetaDictionary.dictionary[DicomMetaDictionary.punctuateTag(id.toUpperCase())]
    : undefined;
  const entry = byTag ?? DicomMetaDictionary.nameMap[id];
  if (!entry?.name || !entry.tag || /x/i.test(entry.tag)) return undefined;
  return { keyword: entry.name, tag: DicomMetaDictionary.unpunctuateTag(entry.tag).toUpperCase(), vr: entry.vr.split(' or ')[0] ?? 'UN' };
}

/** The definition of a keyword the code itself names (throws on a typo). */
export function attribute(keyword: string): AttributeDefinition {
  const found = attributeOf(keyword);
  if (!found) throw new Error(`${keyword} is not in the DICOM dictionary`);
  return found;
}
