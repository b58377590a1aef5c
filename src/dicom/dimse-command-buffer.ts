import path from 'node:path';

interface QueuedStream {
  queue: Array<Buffer | string>;
  toBuffer(): Buffer;
}

/**
 * dcmjs-dimse 0.3.3 gathers each DIMSE command in a memorystream and joins it with memorystream's
 * toBuffer(), which calls the deprecated Buffer() constructor. For the first 10,000 such calls in a
 * process Node checks whether each comes from node_modules by walking up to 100 stack frames
 * (showFlaggedDeprecation in lib/buffer.js): 1.9 % of the receiving thread's time in a profile of
 * 1,000 small instances (bench/README.md, issue 21), paid by each of the first 10,000 C-STOREs after
 * every start. The same bytes, joined with Buffer.concat.
 */
export function joinDimseCommandsWithoutDeprecatedBuffer(): void {
  // memorystream as dcmjs-dimse resolves it, wherever npm placed it.
  const fromDimse = path.dirname(require.resolve('dcmjs-dimse'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const MemoryStream = require(require.resolve('memorystream', { paths: [fromDimse] })) as {
    prototype: QueuedStream;
    createWriteStream(): QueuedStream;
    createReadStream(): QueuedStream;
  };
  const join = function toBuffer(this: QueuedStream): Buffer {
    return Buffer.concat(this.queue.map((data) => (Buffer.isBuffer(data) ? data : Buffer.from(data))));
  };
  for (const prototype of [
    MemoryStream.prototype,
    Object.getPrototypeOf(MemoryStream.createWriteStream()) as QueuedStream,
    Object.getPrototypeOf(MemoryStream.createReadStream()) as QueuedStream,
  ]) {
    prototype.toBuffer = join;
  }
}
