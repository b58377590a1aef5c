import { loadAppConfig } from '../../src/config/app-config';
import { YIELDS_TO_RECEIVING } from '../../src/analysis/receive-priority';
import { IngestActivity } from '../../src/dicom/ingest-activity';
import { JOB_TYPES } from '../../src/jobs/job';
import { JobClaimGate } from '../../src/jobs/job-claim.gate';

describe('receiving before reading', () => {
  const config = loadAppConfig({ OSTEON_RECEIVE_PRIORITY_QUIET_MS: '1000', OSTEON_RECEIVE_PRIORITY_MAX_MS: '10000' });

  it('counts as receiving from the first image until the quiet time has passed after the last', () => {
    const activity = new IngestActivity(config);
    expect(activity.receiving(0)).toBe(false);
    activity.touch(100);
    expect(activity.receiving(100)).toBe(true);
    expect(activity.receiving(1100)).toBe(true);
    expect(activity.receiving(1101)).toBe(false);
  });

  it('stops holding work back once one burst has lasted the longest deferral, and starts counting again after a pause', () => {
    const activity = new IngestActivity(config);
    for (let at = 0; at <= 12_000; at += 500) activity.touch(at);
    expect(activity.receiving(9_900)).toBe(true);
    expect(activity.receiving(12_000)).toBe(false);
    activity.touch(20_000);
    expect(activity.receiving(20_000)).toBe(true);
  });

  it('gives receiving no priority when the longest deferral is 0', () => {
    const activity = new IngestActivity(loadAppConfig({ OSTEON_RECEIVE_PRIORITY_MAX_MS: '0' }));
    activity.touch(Date.now());
    expect(activity.receiving()).toBe(false);
  });

  it('claims every job type but analysis, rendering and retraining while images arrive', () => {
    const gate = new JobClaimGate();
    let busy = true;
    gate.deferWhile(YIELDS_TO_RECEIVING, () => busy);
    expect(gate.claimable(JOB_TYPES)).toEqual(['deliver-fhir', 'deliver-hl7']);
    busy = false;
    expect(gate.claimable(JOB_TYPES)).toEqual([...JOB_TYPES]);
  });
});
