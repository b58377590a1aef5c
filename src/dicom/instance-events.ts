import { EventEmitter } from 'node:events';
import { Injectable } from '@nestjs/common';
import type { InstanceRecord } from './instance-record';

export type InstanceStoredListener = (record: InstanceRecord) => void | Promise<void>;

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

  emitStored(record: InstanceRecord): void {
    this.emitter.emit('stored', record);
  }
}
