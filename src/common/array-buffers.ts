/** Whether a view covers the whole of a plain (not shared) ArrayBuffer: it can then be moved or handed on as that buffer. */
export function fillsItsBuffer(bytes: Uint8Array): boolean {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
}

/**
 * The bytes as an ArrayBuffer holding exactly them (what dcmjs reads and writes): the one behind the
 * view when it fills it, else a copy. A whole file read into its own buffer is not copied again.
 */
export function ownArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return fillsItsBuffer(bytes)
    ? (bytes.buffer as ArrayBuffer)
    : (bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
}
