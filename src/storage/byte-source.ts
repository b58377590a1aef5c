/** Random access to stored bytes (a file, a buffer): what readers of large objects walk in windows. */
export interface ByteSource {
  readonly size: number;
  read(position: number, length: number): Promise<Buffer>;
}

/** A byte source over bytes already in memory. */
export function bufferSource(bytes: Buffer): ByteSource {
  return { size: bytes.length, read: async (position, length) => bytes.subarray(position, position + length) };
}
