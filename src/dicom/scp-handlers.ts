import type { Logger } from '../common/logger';
import type { StagingWriter } from '../storage/staging-writer';

export interface StoreOutcome {
  readonly status: number;
  readonly errorComment?: string;
}

/** What one association needs from the engine; the SCP itself holds no logic. */
export interface ScpHandlers {
  /** Called first when an association request arrives (the connection guard's ARTIM timer stops). */
  associationRequested?(): void;
  isCallingAeAllowed(callingAeTitle: string): boolean;
  isCalledAeOurs(calledAeTitle: string): boolean;
  createStagingWriter(header: Buffer): StagingWriter;
  store(
    writer: StagingWriter,
    context: { transferSyntaxUid: string; sopClassUid: string; sopInstanceUid: string; callingAeTitle: string; correlationId: string },
  ): Promise<StoreOutcome>;
  /** C-FIND: the answers (each becomes a pending response) and the final status. */
  find(sopClassUid: string, identifier: Record<string, unknown>): Promise<FindOutcome>;
  readonly logger: Logger;
  readonly correlationId: string;
}

export interface FindOutcome {
  readonly answers: ReadonlyArray<Record<string, unknown>>;
  readonly status: number;
  readonly errorComment?: string;
}
