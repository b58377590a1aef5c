import { PassThrough, Writable } from 'node:stream';
import { CStoreReceiver, type CStoreMessage } from '../../src/dicom/c-store-receiver';
import { readDimseCommand } from '../../src/dicom/dimse-command';
import { readPresentationDataValues } from '../../src/dicom/p-data-pdu';

const SOP_CLASS = '1.2.840.10008.5.1.4.1.1.1.1'; // odd length: padded with a NUL
const SOP_INSTANCE = '1.2.826.0.1.3680043.8.498.1';

function element(tag: number, value: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt16LE(0x0000, 0);
  header.writeUInt16LE(tag, 2);
  header.writeUInt32LE(value.length, 4);
  return Buffer.concat([header, value]);
}
const us = (value: number): Buffer => Buffer.from([value & 0xff, value >> 8]);
const ui = (uid: string): Buffer => Buffer.from(uid.length % 2 ? `${uid}\0` : uid, 'latin1');

function command(commandField: number, messageId: number, dataSetType = 0x0000): Buffer {
  const body = Buffer.concat([
    element(0x0002, ui(SOP_CLASS)),
    element(0x0100, us(commandField)),
    element(0x0110, us(messageId)),
    element(0x0700, us(0)),
    element(0x0800, us(dataSetType)),
    element(0x1000, ui(SOP_INSTANCE)),
  ]);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(body.length);
  return Buffer.concat([element(0x0000, length), body]);
}
const C_STORE = 0x0001;
const C_ECHO = 0x0030;

function pdv(contextId: number, isCommand: boolean, isLast: boolean, value: Buffer): Buffer {
  const header = Buffer.alloc(6);
  header.writeUInt32BE(value.length + 2, 0);
  header.writeUInt8(contextId, 4);
  header.writeUInt8((isCommand ? 1 : 0) | (isLast ? 2 : 0), 5);
  return Buffer.concat([header, value]);
}

function pDataTf(...items: Buffer[]): Buffer {
  const body = Buffer.concat(items);
  const header = Buffer.alloc(6);
  header.writeUInt8(0x04, 0);
  header.writeUInt32BE(body.length, 2);
  return Buffer.concat([header, body]);
}

/** A host whose writers collect what they are given; `open` may refuse. */
function host(options: { refuse?: boolean; writer?: () => Writable } = {}) {
  const received: Array<{ message: CStoreMessage; bytes: Buffer }> = [];
  const collected = new Map<Writable, Buffer[]>();
  const violations: string[] = [];
  const flow: string[] = [];
  const receiver = new CStoreReceiver({
    open: () => {
      if (options.refuse) return undefined;
      const writer = options.writer?.() ?? new PassThrough();
      const chunks: Buffer[] = [];
      collected.set(writer, chunks);
      if (writer instanceof PassThrough) writer.on('data', (chunk: Buffer) => chunks.push(chunk));
      return writer;
    },
    received: (message, writer) => received.push({ message, bytes: Buffer.concat(collected.get(writer) ?? []) }),
    violated: (reason) => violations.push(reason),
    pause: () => flow.push('pause'),
    resume: () => flow.push('resume'),
  });
  return { receiver, received, violations, flow };
}

describe('DIMSE command sets read without dcmjs', () => {
  it('reads the fields a C-STORE is received by, without UID padding', () => {
    expect(readDimseCommand(command(C_STORE, 7))).toEqual({
      commandField: C_STORE,
      messageId: 7,
      affectedSopClassUid: SOP_CLASS,
      affectedSopInstanceUid: SOP_INSTANCE,
      hasDataSet: true,
    });
    expect(readDimseCommand(command(C_ECHO, 2, 0x0101))?.hasDataSet).toBe(false);
  });

  it('refuses an element running past the end and an element of another group', () => {
    expect(readDimseCommand(command(C_STORE, 1).subarray(0, 40))).toBeUndefined();
    const otherGroup = Buffer.from(command(C_STORE, 1));
    otherGroup.writeUInt16LE(0x0008, 12);
    expect(readDimseCommand(otherGroup)).toBeUndefined();
  });

  it('refuses a presentation data value longer than its PDU', () => {
    const pdu = pDataTf(pdv(1, false, true, Buffer.alloc(10)));
    pdu.writeUInt32BE(100, 6);
    expect(() => readPresentationDataValues(pdu)).toThrow(/does not fit/);
  });
});

describe('C-STORE requests received from P-DATA-TF PDUs', () => {
  it('takes a C-STORE and writes its data set fragments, in order, without handing anything to the library', async () => {
    const { receiver, received } = host();
    expect(receiver.route(pDataTf(pdv(3, true, true, command(C_STORE, 9))))).toEqual([]);
    expect(receiver.route(pDataTf(pdv(3, false, false, Buffer.from('first '))))).toEqual([]);
    expect(receiver.route(pDataTf(pdv(3, false, false, Buffer.from('second ')), pdv(3, false, true, Buffer.from('last'))))).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(received).toHaveLength(1);
    expect(received[0]?.message).toEqual({
      presentationContextId: 3,
      messageId: 9,
      affectedSopClassUid: SOP_CLASS,
      affectedSopInstanceUid: SOP_INSTANCE,
    });
    expect(received[0]?.bytes.toString()).toBe('first second last');
  });

  it('takes a command and its whole data set from one PDU', async () => {
    const { receiver, received } = host();
    expect(receiver.route(pDataTf(pdv(1, true, true, command(C_STORE, 1)), pdv(1, false, true, Buffer.from('all'))))).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(received.map(({ bytes }) => bytes.toString())).toEqual(['all']);
  });

  it('leaves a C-ECHO to the library unchanged, and takes the C-STORE after it', () => {
    const { receiver, received } = host();
    const echo = pDataTf(pdv(1, true, true, command(C_ECHO, 1, 0x0101)));
    expect(receiver.route(echo)).toEqual([echo]);
    expect(receiver.route(pDataTf(pdv(1, true, true, command(C_STORE, 2))))).toEqual([]);
    expect(receiver.route(pDataTf(pdv(1, false, true, Buffer.from('x'))))).toEqual([]);
    expect(received).toHaveLength(1);
  });

  it('follows a message the library receives (a command in two fragments, then its data set) and takes none of it', () => {
    const { receiver, received, violations } = host();
    const whole = command(C_STORE, 4);
    const pdus = [
      pDataTf(pdv(1, true, false, whole.subarray(0, 20))),
      pDataTf(pdv(1, true, true, whole.subarray(20))),
      pDataTf(pdv(1, false, false, Buffer.from('a'))),
      pDataTf(pdv(1, false, true, Buffer.from('b'))),
    ];
    for (const pdu of pdus) expect(receiver.route(pdu)).toEqual([pdu]);
    expect(received).toHaveLength(0);
    // The library's message is over: the next request is the receiver's again.
    expect(receiver.route(pDataTf(pdv(1, true, true, command(C_STORE, 5))))).toEqual([]);
    expect(violations).toEqual([]);
  });

  it('leaves a request the host refuses, data set and all, to the library', () => {
    const { receiver, received } = host({ refuse: true });
    const pdus = [pDataTf(pdv(1, true, true, command(C_STORE, 1))), pDataTf(pdv(1, false, true, Buffer.from('data')))];
    for (const pdu of pdus) expect(receiver.route(pdu)).toEqual([pdu]);
    expect(received).toHaveLength(0);
  });

  it('re-frames what follows its request in the same PDU for the library', () => {
    const { receiver } = host();
    const echo = pdv(1, true, true, command(C_ECHO, 2, 0x0101));
    const routed = receiver.route(pDataTf(pdv(1, true, true, command(C_STORE, 1)), pdv(1, false, true, Buffer.from('d')), echo));
    expect(routed).toEqual([pDataTf(echo)]);
  });

  it.each([
    [
      'a data set fragment on another presentation context',
      [pdv(1, true, true, command(C_STORE, 1)), pdv(3, false, true, Buffer.from('x'))],
    ],
    ['a command before the data set ended', [pdv(1, true, true, command(C_STORE, 1)), pdv(1, true, true, command(C_STORE, 2))]],
    ['a data set fragment without a command', [pdv(1, false, true, Buffer.from('x'))]],
    ['a command set that is not well-formed', [pdv(1, true, true, Buffer.from([0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0x00, 0x00]))]],
  ])('aborts on %s and passes nothing more on', (_name, items) => {
    const { receiver, violations } = host();
    expect(receiver.route(pDataTf(...items))).toEqual([]);
    expect(violations).toHaveLength(1);
    expect(receiver.route(pDataTf(pdv(1, true, true, command(C_ECHO, 3, 0x0101))))).toEqual([]);
  });

  it('stops reading while the writer is full and reads on once it drains', async () => {
    let release: (() => void) | undefined;
    const slow = () =>
      new Writable({
        highWaterMark: 4,
        write: (_chunk, _encoding, callback) => {
          release = () => callback();
        },
      });
    const { receiver, flow } = host({ writer: slow });
    receiver.route(pDataTf(pdv(1, true, true, command(C_STORE, 1))));
    receiver.route(pDataTf(pdv(1, false, false, Buffer.alloc(64))));
    receiver.route(pDataTf(pdv(1, false, false, Buffer.alloc(64))));
    expect(flow).toEqual(['pause']);
    release?.();
    await new Promise((resolve) => setImmediate(resolve));
    release?.();
    await new Promise((resolve) => setImmediate(resolve));
    expect(flow).toEqual(['pause', 'resume']);
  });

  it('reads the rest of a data set whose writer failed, and still reports it received', () => {
    const failing = new PassThrough();
    const { receiver, received } = host({ writer: () => failing });
    receiver.route(pDataTf(pdv(1, true, true, command(C_STORE, 1))));
    failing.destroy(new Error('ENOSPC'));
    failing.on('error', () => undefined);
    expect(receiver.route(pDataTf(pdv(1, false, false, Buffer.from('a')), pdv(1, false, true, Buffer.from('b'))))).toEqual([]);
    expect(received).toHaveLength(1);
  });
});
