import { describe, expect, it } from 'vitest';
import { isConsoleNavigation, isKeepable, isPatientRead } from '../src/logic/offline-rules';

describe('what the patient page keeps for offline reading', () => {
  it("keeps the patient's own reads only: the report list and PDFs, never another role's answers or a write", () => {
    expect(isPatientRead('GET', '/api/patient/reports')).toBe(true);
    expect(isPatientRead('GET', '/api/patient/reports/6650a1b2c3d4e5f601234567/pdf')).toBe(true);
    expect(isPatientRead('POST', '/api/patient/reports')).toBe(false);
    expect(isPatientRead('GET', '/api/reports')).toBe(false);
    expect(isPatientRead('GET', '/api/jobs')).toBe(false);
    expect(isPatientRead('GET', '/api/auth/login')).toBe(false);
  });

  it('answers console routes with the shell when offline, never the engine’s own routes', () => {
    expect(isConsoleNavigation('/')).toBe(true);
    expect(isConsoleNavigation('/my-reports')).toBe(true);
    expect(isConsoleNavigation('/reports/abc')).toBe(true);
    expect(isConsoleNavigation('/api/patient/reports/1/pdf')).toBe(false);
    expect(isConsoleNavigation('/viewer/index.html')).toBe(false);
    expect(isConsoleNavigation('/portal/r/abc')).toBe(false);
    expect(isConsoleNavigation('/health')).toBe(false);
  });

  it('stores only complete, successful answers', () => {
    expect(isKeepable(200)).toBe(true);
    for (const status of [0, 206, 301, 401, 403, 404, 500]) expect(isKeepable(status)).toBe(false);
  });
});
