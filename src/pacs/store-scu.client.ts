import type { Socket } from 'node:net';
import { Injectable } from '@nestjs/common';
import { Client, Dataset, log as dimseLog, requests, type responses } from 'dcmjs-dimse';
import { TransferSyntax } from '../imaging/dicom-file.constants';
import type { AssociationResult, StoreResponse } from './store-outcome';

interface DimseNetwork {
  readonly socket?: Socket;
  on(event: 'abort', listener: (abort: { source: number; reason: number }) => void): void;
}

/** One DICOM object ready to send: its data set as dcmjs naturalised elements. */
export interface StoreObject {
  readonly sopClassUid: string;
  readonly sopInstanceUid: string;
  readonly elements: Record<string, unknown>;
}

export interface StoreTarget {
  readonly host: string;
  readonly port: number;
  readonly calledAeTitle: string;
  readonly callingAeTitle: string;
  readonly timeoutMs: number;
}

/**
 * C-STORE SCU on dcmjs-dimse: sends all objects through one association and reports what
 * the PACS answered for each, without judging it (store-outcome.ts does that).
 */
@Injectable()
export class StoreScuClient {
  constructor() {
    // dcmjs-dimse logs every PDU at info to stdout; Osteon logs the outcome itself.
    dimseLog.setLevel('error');
  }

  send(target: StoreTarget, objects: readonly StoreObject[]): Promise<AssociationResult> {
    return new Promise((resolve) => {
      const client = new Client();
      const answered = new Map<string, StoreResponse>();
      let rejected: AssociationResult | undefined;
      let networkError: string | undefined;
      let aborted: AssociationResult | undefined;
      let settled = false;
      const finish = (result: AssociationResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(guard);
        resolve(result);
      };
      for (const object of objects) {
        const request = new requests.CStoreRequest(new Dataset(object.elements, TransferSyntax.ExplicitVrLittleEndian));
        request.on('response', (response: responses.CStoreResponse) => {
          answered.set(object.sopInstanceUid, {
            sopInstanceUid: object.sopInstanceUid,
            status: response.getStatus(),
            errorComment: response.getErrorComment() || undefined,
          });
        });
        client.addRequest(request);
      }
      client.on('associationRejected', (reject: { result: number; source: number; reason: number }) => {
        rejected = { kind: 'rejected', result: reject.result, source: reject.source, reason: reject.reason };
      });
      client.on('networkError', (error: Error) => {
        networkError ??= error.message;
      });
      client.on('closed', () => {
        if (rejected) return finish(rejected);
        if (aborted && answered.size < objects.length) return finish(aborted);
        if (networkError && answered.size < objects.length) return finish({ kind: 'network-error', message: networkError });
        finish({
          kind: 'completed',
          responses: objects.map(
            (object) =>
              answered.get(object.sopInstanceUid) ?? { sopInstanceUid: object.sopInstanceUid, status: undefined, errorComment: undefined },
          ),
        });
      });
      // dcmjs-dimse's own timers cover connect and PDUs; this one covers a peer that never closes.
      const guard = setTimeout(() => {
        finish({ kind: 'network-error', message: `no end of association after ${target.timeoutMs * 3} ms` });
        try {
          client.abort();
        } catch {
          // no network left to abort
        }
      }, target.timeoutMs * 3);
      try {
        client.send(target.host, target.port, target.callingAeTitle, target.calledAeTitle, {
          connectTimeout: target.timeoutMs,
          associationTimeout: target.timeoutMs,
          pduTimeout: target.timeoutMs,
        });
      } catch (error) {
        return finish({ kind: 'network-error', message: (error as Error).message });
      }
      // Client.send has no socket option: it keeps the socket on its network object, created
      // synchronously above, so Nagle is switched off before the association request is written.
      const network = (client as unknown as { network?: DimseNetwork }).network;
      if (!network?.socket) throw new Error('dcmjs-dimse changed: no socket to set TCP_NODELAY on');
      network.socket.setNoDelay(true);
      // The client does not pass on an A-ABORT from the PACS (it would wait for the socket
      // timeout): Orthanc aborts a C-STORE it does not allow, for one.
      network.on('abort', (abort: { source: number; reason: number }) => {
        aborted = { kind: 'aborted', source: abort.source, reason: abort.reason };
        network.socket?.end();
      });
    });
  }
}
