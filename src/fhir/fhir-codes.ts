import type { BodyPart, CountClass, Urgency } from '../reports/findings';

export const SNOMED = 'http://snomed.info/sct';
export const LOINC = 'http://loinc.org';
export const UCUM = 'http://unitsofmeasure.org';
export const V2_0074 = 'http://terminology.hl7.org/CodeSystem/v2-0074';
export const OBSERVATION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
export const DICOM_UID_SYSTEM = 'urn:dicom:uid';
export const DICOM_MODALITY = 'http://dicom.nema.org/resources/ontology/DCM';

/** LOINC 18748-4 "Diagnostic imaging study": the report's code. */
export const REPORT_CODE = { system: LOINC, code: '18748-4', display: 'Diagnostic imaging study' } as const;

/**
 * Conclusion codes (SNOMED CT). A fracture: 125605004 |Fracture of bone (disorder)|. No fracture:
 * SNOMED has no pre-coordinated "no fracture" finding in the international edition, so Osteon
 * uses 281900007 |No abnormality detected (finding)| with the text saying it is about fractures only.
 */
export const FRACTURE_OF_BONE = { system: SNOMED, code: '125605004', display: 'Fracture of bone' } as const;
export const NO_ABNORMALITY = { system: SNOMED, code: '281900007', display: 'No abnormality detected' } as const;

/** Body structures (SNOMED CT) for Osteon's body parts. */
export const BODY_SITES: Readonly<Record<BodyPart, { system: string; code: string; display: string }>> = {
  hand: { system: SNOMED, code: '85562004', display: 'Hand structure' },
  leg: { system: SNOMED, code: '61685007', display: 'Lower limb structure' },
  hip: { system: SNOMED, code: '29836001', display: 'Hip region structure' },
  shoulder: { system: SNOMED, code: '16982005', display: 'Shoulder region structure' },
};

export function bodyPartOfCode(code: string | undefined): BodyPart | undefined {
  return (Object.keys(BODY_SITES) as BodyPart[]).find((part) => BODY_SITES[part].code === code);
}

/** Osteon's own code system (under OSTEON_FHIR_SYSTEM) for what LOINC/SNOMED do not name. */
export type OsteonCode = 'fracture-probability' | 'fracture-count' | 'fracture-body-site' | 'triage-urgency';

export const URGENCY_DISPLAY: Readonly<Record<Urgency, string>> = { urgent: 'Urgent', soon: 'Soon', routine: 'Routine' };

/** The fracture count as a Quantity: "2+" is 2 with comparator ">=". */
export function countQuantity(countClass: CountClass): { value: number; comparator?: '>=' } {
  switch (countClass) {
    case '0':
      return { value: 0 };
    case '1':
      return { value: 1 };
    case '2+':
      return { value: 2, comparator: '>=' };
  }
}

export function countClassOf(quantity: { value?: number; comparator?: string } | undefined): CountClass | undefined {
  if (quantity?.value === undefined) return undefined;
  if (quantity.value >= 2 || (quantity.comparator === '>=' && quantity.value >= 2)) return '2+';
  return quantity.value >= 1 ? '1' : '0';
}

/** Every system under the site's base: `urn:osteon:` + `report` or `https://x/fhir/` + `report`. */
export function osteonSystem(
  base: string,
  name: 'report' | 'observation' | 'model' | 'code' | 'urgency' | 'user' | 'patient-without-id',
): string {
  return `${base}${name}`;
}
