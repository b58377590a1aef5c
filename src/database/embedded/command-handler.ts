import type { Document } from 'bson';
import type { CursorRegistry } from './cursor-registry';
import type { EmbeddedStore } from './embedded-store';

export interface CommandContext {
  readonly store: EmbeddedStore;
  readonly cursors: CursorRegistry;
  readonly database: string;
  readonly body: Document;
  readonly connectionId: number;
}

/** Runs one command synchronously against the in-memory state; the reply waits for the journal. */
export type CommandHandler = (context: CommandContext) => Document;
