import { EventEmitter } from 'node:events';
import { Injectable } from '@nestjs/common';
import type { Report } from './report';

export type ReportChange = 'created' | 'reanalysed' | 'reviewed' | 'withdrawn';
export type ReportChangedListener = (report: Report, change: ReportChange) => void | Promise<void>;

/**
 * Raised after a report's content changed (not for delivery bookkeeping). Delivery channels
 * schedule their durable jobs here; each channel also sweeps for reports whose delivered
 * `contentVersion` lags, so a change whose event was lost in a crash is still delivered.
 */
@Injectable()
export class ReportEvents {
  private readonly emitter = new EventEmitter();

  onChanged(listener: ReportChangedListener): void {
    this.emitter.on('changed', listener);
  }

  emitChanged(report: Report, change: ReportChange): void {
    this.emitter.emit('changed', report, change);
  }
}
