import type { Socket } from 'node:net';
import { constants, Dataset, requests, Scp, Server, Client, type association, type responses } from 'dcmjs-dimse';
import { encodeCStoreResponseCommand, encodeCStoreResponsePdu } from '../../src/dicom/c-store-response';
import { freePort } from '../support/ports';

const SOP_CLASS = '1.2.840.10008.5.1.4.1.1.1.1'; // Digital X-Ray Image Storage - For Presentation (odd length)
const SOP_INSTANCE = '1.2.826.0.1.3680043.8.498.12345678';

/** (group, element) -> value bytes, read back from an implicit VR little endian command set. */
function readCommand(bytes: Buffer): Map<number, Buffer> {
  const elements = new Map<number, Buffer>();
  for (let offset = 0; offset < bytes.length;) {
    const tag = (bytes.readUInt16LE(offset) << 16) | bytes.readUInt16LE(offset + 2);
    const length = bytes.readUInt32LE(offset + 4);
    elements.set(tag, bytes.subarray(offset + 8, offset + 8 + length));
    offset += 8 + length;
  }
  return elements;
}

describe('C-STORE-RSP written without dcmjs-dimse', () => {
  it('encodes the command set in tag order, with its group length and even-padded values', () => {
    const command = encodeCStoreResponseCommand({
      presentationContextId: 3,
      messageIdBeingRespondedTo: 513,
      affectedSopClassUid: SOP_CLASS,
      affectedSopInstanceUid: SOP_INSTANCE,
      status: 0xa700,
      errorComment: 'disk full',
    });
    const elements = readCommand(command);
    expect([...elements.keys()]).toEqual([0x0000, 0x0002, 0x0100, 0x0120, 0x0800, 0x0900, 0x0902, 0x1000]);
    expect(elements.get(0x0000)!.readUInt32LE()).toBe(command.length - 12);
    expect(elements.get(0x0002)!.toString('latin1')).toBe(`${SOP_CLASS}\0`);
    expect(elements.get(0x0100)!.readUInt16LE()).toBe(0x8001);
    expect(elements.get(0x0120)!.readUInt16LE()).toBe(513);
    expect(elements.get(0x0800)!.readUInt16LE()).toBe(0x0101);
    expect(elements.get(0x0900)!.readUInt16LE()).toBe(0xa700);
    expect(elements.get(0x0902)!.toString('latin1')).toBe('disk full ');
    expect(elements.get(0x1000)!.toString('latin1')).toBe(SOP_INSTANCE);
  });

  it('frames it as one P-DATA-TF with one last command fragment', () => {
    const fields = {
      presentationContextId: 7,
      messageIdBeingRespondedTo: 1,
      affectedSopClassUid: SOP_CLASS,
      affectedSopInstanceUid: SOP_INSTANCE,
      status: 0,
    };
    const pdu = encodeCStoreResponsePdu(fields);
    expect(pdu[0]).toBe(0x04);
    expect(pdu.readUInt32BE(2)).toBe(pdu.length - 6);
    expect(pdu.readUInt32BE(6)).toBe(pdu.length - 10);
    expect(pdu[10]).toBe(7);
    expect(pdu[11]).toBe(0x03);
    expect(pdu.subarray(12).equals(encodeCStoreResponseCommand(fields))).toBe(true);
  });

  it('is read back by the dcmjs-dimse client as the response to its request', async () => {
    const outcomes = [
      { status: constants.Status.Success as number, errorComment: undefined },
      { status: 0xa700, errorComment: 'out of resources: staging failed' },
    ];
    let next = 0;
    class AnsweringScp extends Scp {
      constructor(
        private readonly peer: Socket,
        options: Record<string, unknown>,
      ) {
        super(peer, options);
      }

      override associationRequested(association: association.Association): void {
        for (const { context } of association.getPresentationContexts()) {
          context.setResult(constants.PresentationContextResult.Accept, context.getTransferSyntaxUids()[0]!);
        }
        this.sendAssociationAccept();
        this.association = association;
      }

      private association: association.Association | undefined;

      override associationReleaseRequested(): void {
        this.sendAssociationReleaseResponse();
      }

      override cStoreRequest(request: requests.CStoreRequest): void {
        const context = this.association!.getAcceptedPresentationContextFromRequest(request)!;
        const outcome = outcomes[next++]!;
        this.peer.write(
          encodeCStoreResponsePdu({
            presentationContextId: context.getPresentationContextId(),
            messageIdBeingRespondedTo: request.getMessageId(),
            affectedSopClassUid: request.getAffectedSopClassUid(),
            affectedSopInstanceUid: request.getAffectedSopInstanceUid(),
            ...outcome,
          }),
        );
      }
    }
    const server = new Server(AnsweringScp);
    const port = await freePort();
    server.listen(port);
    try {
      const client = new Client();
      const answers: Array<{ messageId: number; status: number; comment: string | undefined; sop: string }> = [];
      const sent: requests.CStoreRequest[] = [];
      for (const uid of [SOP_INSTANCE, `${SOP_INSTANCE}.2`]) {
        const request = new requests.CStoreRequest(
          new Dataset({ SOPClassUID: SOP_CLASS, SOPInstanceUID: uid, PatientID: 'P1' }, '1.2.840.10008.1.2'),
        );
        sent.push(request);
        request.on('response', (response: responses.CStoreResponse) =>
          answers.push({
            messageId: response.getMessageIdBeingRespondedTo(),
            status: response.getStatus(),
            comment: response.getErrorComment(),
            sop: response.getAffectedSopInstanceUid(),
          }),
        );
        client.addRequest(request);
      }
      await new Promise<void>((resolve, reject) => {
        client.on('closed', () => resolve());
        client.on('networkError', reject);
        client.send('127.0.0.1', port, 'TESTSCU', 'TESTSCP');
      });
      // each response reached the request it answers (the client matches them by message ID)
      expect(answers).toEqual([
        { messageId: sent[0]!.getMessageId(), status: 0, comment: undefined, sop: SOP_INSTANCE },
        { messageId: sent[1]!.getMessageId(), status: 0xa700, comment: 'out of resources: staging failed', sop: `${SOP_INSTANCE}.2` },
      ]);
      expect(sent.map((request) => request.getMessageId())).toEqual([1, 2]);
    } finally {
      server.close();
    }
  });
});
