import { describe, expect, it } from 'vitest';
import { homePath, navigationFor, resolveRoute } from '../src/logic/roles';

describe('screens per role', () => {
  it('gives each role only its own screens', () => {
    expect(navigationFor('admin-worker').map((entry) => entry.screen)).toEqual(['upload']);
    expect(navigationFor('doctor').map((entry) => entry.screen)).toEqual(['worklist', 'analytics']);
    expect(navigationFor('operator').map((entry) => entry.screen)).toEqual(['operations', 'analytics']);
    expect(navigationFor('patient').map((entry) => entry.screen)).toEqual(['my-reports']);
  });

  it('sends a role that opens another role’s screen to its own home', () => {
    expect(resolveRoute('admin-worker', '/worklist')).toEqual({ screen: 'upload' });
    expect(resolveRoute('operator', '/upload')).toEqual({ screen: 'operations' });
    expect(resolveRoute('admin-worker', '/reports/abc')).toEqual({ screen: 'upload' });
    expect(homePath('doctor')).toBe('/worklist');
    expect(resolveRoute('patient', '/worklist')).toEqual({ screen: 'my-reports' });
    expect(resolveRoute('patient', '/reports/665f1c0e2a9b4c0012345678')).toEqual({ screen: 'my-reports' });
  });

  it('opens a report by its opaque id for a doctor and ignores anything that is not an id', () => {
    expect(resolveRoute('doctor', '/reports/665f1c0e2a9b4c0012345678')).toEqual({ screen: 'report', id: '665f1c0e2a9b4c0012345678' });
    expect(resolveRoute('doctor', '/reports/../users')).toEqual({ screen: 'worklist' });
    expect(resolveRoute('doctor', '/reports/a b')).toEqual({ screen: 'worklist' });
  });
});
