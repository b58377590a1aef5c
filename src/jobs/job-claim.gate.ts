import { Injectable } from '@nestjs/common';
import type { JobType } from './job';

interface DeferRule {
  readonly types: readonly JobType[];
  readonly now: () => boolean;
}

interface RunningLimit {
  readonly types: ReadonlySet<JobType>;
  readonly max: number;
}

/**
 * Which job types the worker may claim now. A module that owns more urgent work (receiving
 * images) says which job types yield to it while it runs, and a kind of work may be limited to a
 * number running at once in this process; jobs already running are not stopped.
 */
@Injectable()
export class JobClaimGate {
  private readonly rules: DeferRule[] = [];
  private readonly limits: RunningLimit[] = [];

  /** `types` are not claimed while `now()` is true. */
  deferWhile(types: readonly JobType[], now: () => boolean): void {
    this.rules.push({ types, now });
  }

  /** No more than `max` jobs of `types`, together, run at once in this process. */
  limitRunning(types: readonly JobType[], max: number): void {
    this.limits.push({ types: new Set(types), max });
  }

  /** `running`: the type of each job this process runs now. */
  claimable(types: readonly JobType[], running: readonly JobType[] = []): JobType[] {
    const blocked = new Set(this.rules.filter((rule) => rule.now()).flatMap((rule) => rule.types));
    for (const limit of this.limits) {
      if (running.filter((type) => limit.types.has(type)).length >= limit.max) for (const type of limit.types) blocked.add(type);
    }
    return blocked.size === 0 ? [...types] : types.filter((type) => !blocked.has(type));
  }
}
