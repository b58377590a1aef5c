import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type { TrustedSender } from '../config/app-config';
import type { MessageHeader } from './hl7-fields';

/** `::ffff:10.1.2.3` (an IPv4 peer on a dual-stack socket) is 10.1.2.3. */
function plainAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? (mapped[1] as string) : address;
}

function addressMatches(rule: string, address: string): boolean {
  if (rule === '*') return true;
  const peer = plainAddress(address);
  const type = isIPv4(peer) ? 'ipv4' : isIPv6(peer) ? 'ipv6' : undefined;
  if (!type) return false;
  const [network, bits] = rule.split('/') as [string, string | undefined];
  const ruleType = isIPv4(network) ? 'ipv4' : 'ipv6';
  if (ruleType !== type) return false;
  const list = new BlockList();
  if (bits === undefined) list.addAddress(network, ruleType);
  else list.addSubnet(network, Number(bits), ruleType);
  return list.check(peer, type);
}

/**
 * Orders and verdicts count only from a configured sender: MSH-3 and MSH-4 as configured (case
 * as written; facility `*` for any) and a connection from the configured address. None configured:
 * nobody is trusted. Returns why not, or undefined when the sender is trusted.
 */
export function untrustedBecause(senders: readonly TrustedSender[], header: MessageHeader, remoteAddress: string): string | undefined {
  const who = `${header.sendingApplication}^${header.sendingFacility} from ${plainAddress(remoteAddress)}`;
  if (senders.length === 0) return `no trusted HL7 sender is configured (OSTEON_HL7_TRUSTED_SENDERS): ${who} is refused`;
  const trusted = senders.some(
    (sender) =>
      sender.application === header.sendingApplication &&
      (sender.facility === '*' || sender.facility === header.sendingFacility) &&
      addressMatches(sender.address, remoteAddress),
  );
  return trusted ? undefined : `sender ${who} is not a trusted HL7 sender`;
}
