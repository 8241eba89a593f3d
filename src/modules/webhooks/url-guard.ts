/**
 * Keeps webhooks from reaching internal services. A destination URL must be https to a host whose
 * every address is public; private, loopback, link-local, unique-local, multicast, reserved and
 * unspecified addresses (IPv4, IPv6, and IPv4 inside IPv6) are refused unless WEBHOOK_ALLOWED_HOSTS
 * names the host or a range holding the address. An allowed host may also use plain http.
 *
 * The check runs when a destination is created or changed, before every request, and again inside
 * the connection's DNS lookup (`guardedLookup`), so a name that resolves to a public address when
 * checked and to 127.0.0.1 a moment later (DNS rebinding) is still refused.
 */
import dns from 'node:dns';
import net from 'node:net';

const BLOCKED = new net.BlockList();
for (const [a, p] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24],
  ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) BLOCKED.addSubnet(a, p, 'ipv4');
for (const [a, p] of [
  // 64:ff9b:1::/48 is NAT64 for local use (RFC 8215): what it translates to is not known from outside.
  ['::', 128], ['::1', 128], ['64:ff9b:1::', 48], ['100::', 64], ['2001:db8::', 32], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
] as const) BLOCKED.addSubnet(a, p, 'ipv6');

/** The eight 16-bit groups of an IPv6 address. */
function groups(address: string): number[] {
  // The URL parser writes every IPv6 form (dotted IPv4 tails included) in one compressed, hex-only spelling.
  const canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  const [head, tail] = canonical.split('::') as [string, string | undefined];
  const part = (s: string | undefined) => (s ? s.split(':').map((h) => parseInt(h, 16)) : []);
  const h = part(head);
  const t = part(tail);
  return tail === undefined ? h : [...h, ...Array<number>(8 - h.length - t.length).fill(0), ...t];
}

const dotted = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;

/**
 * The IPv4 address an IPv6 address carries, else null: IPv4-mapped and -compatible (::ffff:a.b.c.d,
 * ::a.b.c.d), NAT64 (64:ff9b::a.b.c.d, which a DNS64 resolver hands out for every IPv4-only public host,
 * so it is judged by the address inside) and 6to4 (2002:aabb:ccdd::/48, routed to a.b.c.d).
 */
export function embeddedIpv4(address: string): string | null {
  if (!net.isIPv6(address)) return null;
  const g = groups(address);
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zeros(0, 5) && (g[5] === 0xffff || (g[5] === 0 && (g[6] !== 0 || g[7]! > 1)))) return dotted(g[6]!, g[7]!);
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return dotted(g[6]!, g[7]!);
  if (g[0] === 0x2002) return dotted(g[1]!, g[2]!);
  return null;
}

/** True for an address a webhook may not reach unless allowed. */
export function isInternalAddress(address: string): boolean {
  const v4 = net.isIPv4(address) ? address : embeddedIpv4(address);
  if (v4) return BLOCKED.check(v4, 'ipv4');
  return net.isIPv6(address) ? BLOCKED.check(address, 'ipv6') : true;
}

/** WEBHOOK_ALLOWED_HOSTS, parsed: names (lower-case) and address ranges. */
export class AllowList {
  private readonly names = new Set<string>();
  private readonly ranges = new net.BlockList();

  constructor(entries: readonly string[]) {
    for (const raw of entries) {
      const e = raw.trim().toLowerCase().replace(/^\[|\]$/g, '');
      if (!e) continue;
      const [addr, bits] = e.split('/');
      const family = net.isIPv4(addr!) ? 'ipv4' : net.isIPv6(addr!) ? 'ipv6' : null;
      if (family && bits !== undefined) this.ranges.addSubnet(addr!, Number(bits), family);
      else if (family) this.ranges.addAddress(addr!, family);
      else this.names.add(e);
    }
  }

  hasName(host: string): boolean {
    return this.names.has(host.toLowerCase());
  }

  hasAddress(address: string): boolean {
    const v4 = net.isIPv4(address) ? address : embeddedIpv4(address);
    if (v4 && this.ranges.check(v4, 'ipv4')) return true;
    return net.isIPv6(address) && this.ranges.check(address, 'ipv6');
  }

  /** An address this host may be reached at. */
  permits(host: string, address: string): boolean {
    return !isInternalAddress(address) || this.hasName(host) || this.hasAddress(address);
  }
}

/** `transient`: the host did not resolve, which may pass (a DNS outage); every other refusal stands. */
export type UrlVerdict = { ok: true; url: URL } | { ok: false; reason: string; transient?: boolean };

const hostOf = (url: URL) => url.hostname.replace(/^\[|\]$/g, '').toLowerCase();

async function resolveAll(host: string): Promise<string[]> {
  if (net.isIP(host)) return [host];
  const found = await dns.promises.lookup(host, { all: true, verbatim: true });
  return found.map((a) => a.address);
}

/** Parses and checks a destination URL, resolving its host (every address must pass). */
export async function checkWebhookUrl(raw: string, allow: AllowList): Promise<UrlVerdict> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'not a URL' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { ok: false, reason: `scheme ${url.protocol} is not http(s)` };
  if (url.username || url.password) return { ok: false, reason: 'credentials in the URL are not allowed (use the signing secret)' };
  const host = hostOf(url);
  let addresses: string[];
  try {
    addresses = await resolveAll(host);
  } catch (err) {
    return { ok: false, reason: `host ${host} does not resolve (${(err as NodeJS.ErrnoException).code ?? 'error'})`, transient: true };
  }
  if (addresses.length === 0) return { ok: false, reason: `host ${host} has no address`, transient: true };
  const refused = addresses.find((a) => !allow.permits(host, a));
  if (refused) return { ok: false, reason: `host ${host} resolves to ${refused}, a private, loopback, link-local or reserved address (allow it with WEBHOOK_ALLOWED_HOSTS)` };
  const allowedHost = allow.hasName(host) || addresses.every((a) => allow.hasAddress(a));
  if (url.protocol === 'http:' && !allowedHost) return { ok: false, reason: 'the URL must use https (plain http only for hosts in WEBHOOK_ALLOWED_HOSTS)' };
  return { ok: true, url };
}

/** A `lookup` for http(s).request that refuses internal addresses at connect time (DNS rebinding). */
export function guardedLookup(allow: AllowList): net.LookupFunction {
  return ((hostname: string, options: dns.LookupOptions, callback: (...args: unknown[]) => void) => {
    dns.lookup(hostname, { ...options, all: true, verbatim: true }, (err, addresses) => {
      if (err) return callback(err);
      const list = addresses as dns.LookupAddress[];
      const refused = list.find((a) => !allow.permits(hostname, a.address));
      if (refused) return callback(Object.assign(new Error(`refused: ${hostname} resolves to internal address ${refused.address}`), { code: 'EWEBHOOKADDR' }));
      if (options.all) return callback(null, list);
      callback(null, list[0]!.address, list[0]!.family);
    });
  }) as net.LookupFunction;
}
