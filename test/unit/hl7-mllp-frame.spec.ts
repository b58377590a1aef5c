import { MllpFrameDecoder, type MllpEvent } from '../../src/hl7/mllp-frame.decoder';

function describeEvents(events: MllpEvent[]): string[] {
  return events.map((event) => (event.kind === 'frame' ? `frame:${event.payload.toString()}` : 'junk'));
}

describe('MLLP frame decoder', () => {
  it('reads two frames from one chunk and a frame whose end block spans two chunks', () => {
    const decoder = new MllpFrameDecoder();
    expect(describeEvents(decoder.push(Buffer.from('\x0bA|1\x1c\r\x0bB|2\x1c')))).toEqual(['frame:A|1']);
    expect(describeEvents(decoder.push(Buffer.from('\r')))).toEqual(['frame:B|2']);
  });

  it('reports bytes outside a frame and reads the frame that follows them', () => {
    const decoder = new MllpFrameDecoder();
    expect(describeEvents(decoder.push(Buffer.from('garbage\r\n\x0bC|3\x1c\r')))).toEqual(['junk', 'frame:C|3']);
  });

  it('reports a frame cut off by a new start block and keeps the new frame whole', () => {
    const decoder = new MllpFrameDecoder();
    expect(describeEvents(decoder.push(Buffer.from('\x0bHALF|')))).toEqual([]);
    expect(describeEvents(decoder.push(Buffer.from('\x0bD|4\x1c\r')))).toEqual(['junk', 'frame:D|4']);
  });

  it('reports an end block without a start block as junk', () => {
    const decoder = new MllpFrameDecoder();
    expect(describeEvents(decoder.push(Buffer.from('no start\x1c\r\x0bE|5\x1c\r')))).toEqual(['junk', 'frame:E|5']);
  });

  it('drops a frame that grows past the size limit and reads the next one', () => {
    const decoder = new MllpFrameDecoder(8);
    expect(describeEvents(decoder.push(Buffer.from('\x0b0123456789')))).toEqual(['junk']);
    expect(describeEvents(decoder.push(Buffer.from('more\x1c\r\x0bF|6\x1c\r')))).toEqual(['junk', 'frame:F|6']);
  });
});
