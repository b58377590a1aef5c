/**
 * The few fields of a DIMSE command set (PS3.7 9.3 and E.1) that decide how a message is received.
 * A command set is always implicit VR little endian, group 0000 only (PS3.7 6.3.1).
 */
export interface DimseCommandFields {
  readonly commandField: number | undefined;
  readonly messageId: number | undefined;
  /** Affected SOP Class / Instance UID, padding removed; '' when absent. */
  readonly affectedSopClassUid: string;
  readonly affectedSopInstanceUid: string;
  /** Command Data Set Type other than 0x0101 (absent counts as present, as dcmjs-dimse reads it): a data set follows. */
  readonly hasDataSet: boolean;
}

export const C_STORE_RQ = 0x0001;
const NO_DATA_SET = 0x0101;

const ELEMENT_HEADER_BYTES = 8;
const AFFECTED_SOP_CLASS_UID = 0x0002;
const COMMAND_FIELD = 0x0100;
const MESSAGE_ID = 0x0110;
const COMMAND_DATA_SET_TYPE = 0x0800;
const AFFECTED_SOP_INSTANCE_UID = 0x1000;

/** undefined when the bytes are not a well-formed command set (an element running past the end, another group). */
export function readDimseCommand(command: Buffer): DimseCommandFields | undefined {
  let commandField: number | undefined;
  let messageId: number | undefined;
  let dataSetType: number | undefined;
  let affectedSopClassUid = '';
  let affectedSopInstanceUid = '';
  let position = 0;
  while (position < command.length) {
    if (position + ELEMENT_HEADER_BYTES > command.length) return undefined;
    const group = command.readUInt16LE(position);
    const element = command.readUInt16LE(position + 2);
    const length = command.readUInt32LE(position + 4);
    const start = position + ELEMENT_HEADER_BYTES;
    const end = start + length;
    if (group !== 0x0000 || end > command.length) return undefined;
    const value = command.subarray(start, end);
    switch (element) {
      case AFFECTED_SOP_CLASS_UID:
        affectedSopClassUid = uid(value);
        break;
      case COMMAND_FIELD:
        commandField = unsignedShort(value);
        break;
      case MESSAGE_ID:
        messageId = unsignedShort(value);
        break;
      case COMMAND_DATA_SET_TYPE:
        dataSetType = unsignedShort(value);
        break;
      case AFFECTED_SOP_INSTANCE_UID:
        affectedSopInstanceUid = uid(value);
        break;
    }
    position = end;
  }
  return { commandField, messageId, affectedSopClassUid, affectedSopInstanceUid, hasDataSet: dataSetType !== NO_DATA_SET };
}

function unsignedShort(value: Buffer): number | undefined {
  return value.length === 2 ? value.readUInt16LE(0) : undefined;
}

/** UI values are padded to even length with NUL; some senders pad with a space. */
function uid(value: Buffer): string {
  return value.toString('latin1').replace(/[\0 ]+$/, '');
}
