/** P-DATA-TF (PS3.8 9.3.5): a PDU of presentation data values, each a command or data set fragment. */
export const P_DATA_TF = 0x04;

/** PDU type (1) + reserved (1) + length (4). */
const PDU_HEADER_BYTES = 6;
/** Item length (4) + presentation context id (1) + message control header (1). */
const PDV_HEADER_BYTES = 6;
const COMMAND_BIT = 0x01;
const LAST_FRAGMENT_BIT = 0x02;

export interface PresentationDataValue {
  readonly presentationContextId: number;
  readonly isCommand: boolean;
  readonly isLastFragment: boolean;
  /** The fragment's bytes (a view into the PDU, not a copy). */
  readonly value: Buffer;
  /** The whole item, header included: what is re-framed when only some of a PDU's values go on. */
  readonly item: Buffer;
}

export class PDataFormatError extends Error {}

/** The values of one whole P-DATA-TF PDU, in order; a value running past its PDU is a format error. */
export function readPresentationDataValues(pdu: Buffer): PresentationDataValue[] {
  const end = Math.min(pdu.length, PDU_HEADER_BYTES + pdu.readUInt32BE(2));
  const values: PresentationDataValue[] = [];
  let position = PDU_HEADER_BYTES;
  while (position < end) {
    if (position + PDV_HEADER_BYTES > end) throw new PDataFormatError('truncated presentation data value header');
    const itemLength = pdu.readUInt32BE(position);
    const itemEnd = position + 4 + itemLength;
    if (itemLength < 2 || itemEnd > end) throw new PDataFormatError(`presentation data value of ${itemLength} bytes does not fit its PDU`);
    const control = pdu[position + 5] as number;
    values.push({
      presentationContextId: pdu[position + 4] as number,
      isCommand: (control & COMMAND_BIT) !== 0,
      isLastFragment: (control & LAST_FRAGMENT_BIT) !== 0,
      value: pdu.subarray(position + PDV_HEADER_BYTES, itemEnd),
      item: pdu.subarray(position, itemEnd),
    });
    position = itemEnd;
  }
  return values;
}

/** One P-DATA-TF PDU carrying these items as they are. */
export function pDataPdu(items: readonly Buffer[]): Buffer {
  const bodyLength = items.reduce((sum, item) => sum + item.length, 0);
  const header = Buffer.alloc(PDU_HEADER_BYTES);
  header.writeUInt8(P_DATA_TF, 0);
  header.writeUInt32BE(bodyLength, 2);
  return Buffer.concat([header, ...items], PDU_HEADER_BYTES + bodyLength);
}
