import fs from 'node:fs/promises';

/** One message the RIS peer (test/peers/ris-peer.py) received, as it logged it. */
export interface RisMessage {
  readonly raw: string;
  readonly controlId: string;
  readonly ack: string;
}

/** Every message in the RIS peer's JSON-lines log, oldest first (none before the first arrives). */
export async function readRisLog(file: string): Promise<RisMessage[]> {
  return (await fs.readFile(file, 'utf8').catch(() => ''))
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as RisMessage);
}

/** Field `n` of the first `segment` in an HL7 v2 message ('' when absent). */
export function field(raw: string, segment: string, n: number): string {
  const line = raw.split('\r').find((candidate) => candidate.startsWith(`${segment}|`)) ?? '';
  return line.split('|')[n] ?? '';
}
