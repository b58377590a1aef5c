import { EventEmitter } from 'node:events';
import { Injectable } from '@nestjs/common';
import type { ImageVerdict } from './findings';
import type { Report, Review } from './report';

export type ReportChange = 'created' | 'reanalysed' | 'reviewed' | 'withdrawn';
export type ReportChangedListener = (report: Report, change: ReportChange) => void | Promise<void>;

/** A doctor's verdict saved on a report (review API, FHIR or HL7), with the per-image verdicts given with it. */
export interface ReportReviewed {
  readonly report: Report;
  readonly review: Review;
  readonly imageVerdicts: readonly ImageVerdict[];
}
export type ReportReviewedListener = (event: ReportReviewed) => Promise<void>;

/**
 * What happens to reports, for the modules downstream of them: reports/ knows none of its
 * listeners. `changed` is raised after a report's content changed (not for delivery bookkeeping):
 * delivery channels schedule their durable jobs there, and sweep for reports whose delivered
 * `contentVersion` lags, so a change whose event was lost in a crash is still delivered.
 */
@Injectable()
export class ReportEvents {
  private readonly emitter = new EventEmitter();
  private readonly reviewedListeners: ReportReviewedListener[] = [];

  onChanged(listener: ReportChangedListener): void {
    this.emitter.on('changed', listener);
  }

  emitChanged(report: Report, change: ReportChange): void {
    this.emitter.emit('changed', report, change);
  }

  /** Training labels are written here; a listener that fails fails the review call (start-up reconciles). */
  onReviewed(listener: ReportReviewedListener): void {
    this.reviewedListeners.push(listener);
  }

  /** Awaited: a review answers only once what follows from it (its training labels) is written. */
  async emitReviewed(event: ReportReviewed): Promise<void> {
    for (const listener of this.reviewedListeners) await listener(event);
  }
}
