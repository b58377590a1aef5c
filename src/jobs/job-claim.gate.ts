import { Injectable } from '@nestjs/common';
import type { JobType } from './job';

interface DeferRule {
  readonly types: readonly JobType[];
  readonly now: () => boolean;
}

/**
 * Which job types the worker may claim now. A module that owns more urgent work (receiving
 * images) says which job types yield to it while it runs; jobs already running are not stopped.
 */
@Injectable()
export class JobClaimGate {
  private readonly rules: DeferRule[] = [];

  /** `types` are not claimed while `now()` is true. */
  deferWhile(types: readonly JobType[], now: () => boolean): void {
    this.rules.push({ types, now });
  }

  claimable(types: readonly JobType[]): JobType[] {
    const deferred = new Set(this.rules.filter((rule) => rule.now()).flatMap((rule) => rule.types));
    return deferred.size === 0 ? [...types] : types.filter((type) => !deferred.has(type));
  }
}
