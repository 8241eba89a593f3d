/**
 * Who a limit per client counts: the TCP peer (forwarded-for headers are not trusted; anyone can
 * write them). An IPv4 peer is its address; an IPv6 peer is its /64, because one subscriber is
 * usually handed a whole /64 and could otherwise take a fresh address for every request.
 */
import { isIPv6 } from 'node:net';

export function clientAddressKey(remoteAddress: string | undefined): string {
  if (!remoteAddress) return 'unknown';
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(remoteAddress);
  if (mapped) return mapped[1]!;
  const address = remoteAddress.split('%')[0]!; // a zone id names the interface, not the peer
  if (!isIPv6(address)) return address;
  return `${ipv6Groups(address).slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address, '::' expanded, leading zeros dropped. */
function ipv6Groups(address: string): string[] {
  const [head, tail] = address.toLowerCase().split('::') as [string, string | undefined];
  const split = (part: string | undefined) => (part ? part.split(':') : []);
  const groups = tail === undefined ? split(head) : [...split(head), ...Array(8 - split(head).length - split(tail).length).fill('0'), ...split(tail)];
  return groups.map((g) => (g.includes('.') ? g : parseInt(g, 16).toString(16)));
}
