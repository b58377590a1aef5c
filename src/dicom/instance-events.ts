import { EventEmitter } from 'node:events';
import { Injectable } from '@nestjs/common';
import type { InstanceRecord } from './instance-record';

/** `correlationId`: the association's or request's id the instance came with (none when re-indexed at start-up). */
export type InstanceStoredListener = (record: InstanceRecord, correlationId: string | undefined) => void | Promise<void>;

/**
 * The seam to the study workflow: raised after an instance is durable and indexed. The
 * instance records themselves are durable, so a consumer that missed an event (a crash)
 * can catch up from `instances` by `receivedAt`.
 */
@Injectable()
export class InstanceEvents {
  private readonly emitter = new EventEmitter();

  onStored(listener: InstanceStoredListener): void {
    this.emitter.on('stored', listener);
  }

  emitStored(record: InstanceRecord, correlationId?: string): void {
    this.emitter.emit('stored', record, correlationId);
  }
}
