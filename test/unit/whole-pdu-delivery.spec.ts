import { Socket } from 'node:net';
import { deliverWholePdus } from '../../src/dicom/whole-pdu-delivery';

function pdu(type: number, body: Buffer): Buffer {
  const header = Buffer.alloc(6);
  header.writeUInt8(type, 0);
  header.writeUInt32BE(body.length, 2);
  return Buffer.concat([header, body]);
}

describe('whole PDUs for dcmjs-dimse', () => {
  function framed(limit = 1024): { socket: Socket; received: Buffer[]; oversized: number[] } {
    const socket = new Socket();
    const received: Buffer[] = [];
    const oversized: number[] = [];
    deliverWholePdus(socket, limit, (length) => oversized.push(length));
    socket.on('data', (data: Buffer) => received.push(data));
    return { socket, received, oversized };
  }

  it('joins a PDU split over many reads, header included, into one event', () => {
    const { socket, received } = framed();
    const whole = pdu(4, Buffer.alloc(500, 9));
    for (let at = 0; at < whole.length; at += 3) socket.emit('data', whole.subarray(at, at + 3));
    expect(received).toHaveLength(1);
    expect(received[0]?.equals(whole)).toBe(true);
  });

  it('splits several PDUs that arrive in one read, and keeps a partial one for the next read', () => {
    const { socket, received } = framed();
    const first = pdu(1, Buffer.from('association'));
    const second = pdu(4, Buffer.alloc(100, 1));
    const third = pdu(4, Buffer.alloc(50, 2));
    const stream = Buffer.concat([first, second, third]);
    socket.emit('data', stream.subarray(0, first.length + second.length + 10));
    expect(received.map((each) => each.length)).toEqual([first.length, second.length]);
    socket.emit('data', stream.subarray(first.length + second.length + 10));
    expect(Buffer.concat(received).equals(stream)).toBe(true);
    expect(received).toHaveLength(3);
  });

  it('passes a PDU that arrived in one read through as the same buffer', () => {
    const { socket, received } = framed();
    const whole = pdu(4, Buffer.alloc(64, 3));
    socket.emit('data', whole);
    expect(received[0]).toBe(whole);
  });

  it('closes the connection on a header announcing more than the limit, without buffering it', () => {
    const { socket, received, oversized } = framed(1024);
    const header = Buffer.alloc(6);
    header.writeUInt8(4, 0);
    header.writeUInt32BE(0xfffffff0, 2);
    socket.emit('data', header);
    expect(oversized).toEqual([0xfffffff0]);
    expect(socket.destroyed).toBe(true);
    expect(received).toHaveLength(0);
  });

  it('lets a router see each whole PDU first and delivers only what it returns', () => {
    const socket = new Socket();
    const seen: Buffer[] = [];
    const received: Buffer[] = [];
    const kept = pdu(1, Buffer.from('association'));
    const taken = pdu(4, Buffer.alloc(20, 1));
    const replacement = pdu(4, Buffer.alloc(8, 2));
    deliverWholePdus(
      socket,
      1024,
      () => undefined,
      (whole) => {
        seen.push(whole);
        return whole[0] === 4 ? [replacement] : [whole];
      },
    );
    socket.on('data', (data: Buffer) => received.push(data));
    socket.emit('data', Buffer.concat([kept, taken]));
    expect(seen.map((each) => each.length)).toEqual([kept.length, taken.length]);
    expect(received).toEqual([kept, replacement]);
  });
});
