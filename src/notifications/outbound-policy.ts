import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/** Where requests to the outside never go unless the operator allows it: not the public internet. */
const INTERNAL_RANGES: [string, number, 'ipv4' | 'ipv6'][] = [
  ['0.0.0.0', 8, 'ipv4'], // "this" network
  ['10.0.0.0', 8, 'ipv4'], // private
  ['100.64.0.0', 10, 'ipv4'], // carrier-grade NAT
  ['127.0.0.0', 8, 'ipv4'], // loopback
  ['169.254.0.0', 16, 'ipv4'], // link-local (cloud metadata services)
  ['172.16.0.0', 12, 'ipv4'], // private
  ['192.0.0.0', 24, 'ipv4'], // protocol assignments
  ['192.0.2.0', 24, 'ipv4'], // documentation
  ['192.168.0.0', 16, 'ipv4'], // private
  ['198.18.0.0', 15, 'ipv4'], // benchmarking
  ['198.51.100.0', 24, 'ipv4'], // documentation
  ['203.0.113.0', 24, 'ipv4'], // documentation
  ['224.0.0.0', 4, 'ipv4'], // multicast
  ['240.0.0.0', 4, 'ipv4'], // reserved and broadcast
  ['::', 128, 'ipv6'], // unspecified
  ['::1', 128, 'ipv6'], // loopback
  ['::', 96, 'ipv6'], // IPv4-compatible (deprecated): ::127.0.0.1
  ['::ffff:0:0:0', 96, 'ipv6'], // IPv4-translated
  ['2001::', 32, 'ipv6'], // Teredo: tunnels to an IPv4 address
  ['2002::', 16, 'ipv6'], // 6to4: likewise
  ['64:ff9b::', 96, 'ipv6'], // NAT64: likewise
  ['100::', 64, 'ipv6'], // discard
  ['2001:db8::', 32, 'ipv6'], // documentation
  ['fc00::', 7, 'ipv6'], // unique local
  ['fe80::', 10, 'ipv6'], // link-local
  ['fec0::', 10, 'ipv6'], // site-local (deprecated)
  ['ff00::', 8, 'ipv6'], // multicast
];

/**
 * Which addresses webhook and push requests may reach: public ones, and of the internal ones only
 * what the operator listed (OUTBOUND_ALLOWED_NETWORKS). Checked when a URL is registered, and again
 * for every address a request connects to, so a name that later resolves inside is still refused.
 * IPv4-mapped IPv6 addresses (::ffff:127.0.0.1) need no range of their own: BlockList checks them
 * against the IPv4 ranges (and would check every IPv4 address against a ::ffff:0:0/96 entry).
 */
export class OutboundPolicy {
  private readonly internal = new BlockList();
  private readonly allowed = new BlockList();

  constructor(allowedNetworks: readonly string[]) {
    for (const [network, prefix, type] of INTERNAL_RANGES) {
      this.internal.addSubnet(network, prefix, type);
    }
    for (const entry of allowedNetworks) {
      const [address, prefix] = entry.split('/');
      const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (prefix === undefined) this.allowed.addAddress(address, type);
      else this.allowed.addSubnet(address, Number(prefix), type);
    }
  }

  allows(address: string): boolean {
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    return !this.internal.check(address, type) || this.allowed.check(address, type);
  }

  /** Why requests to `url` would be refused, or null. Resolves its host name. */
  async refusal(url: string): Promise<string | null> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return 'it is not a URL';
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
      return 'only http: and https: URLs are allowed';
    }
    if (parsed.username || parsed.password) return 'credentials in the URL are not allowed';
    const host = hostOf(parsed);
    let addresses: string[];
    try {
      addresses = isIP(host)
        ? [host]
        : (await lookup(host, { all: true })).map((entry) => entry.address);
    } catch {
      return `${host} does not resolve`;
    }
    const refused = addresses.find((address) => !this.allows(address));
    return refused === undefined
      ? null
      : `${refused} is a private, loopback or otherwise internal address (OUTBOUND_ALLOWED_NETWORKS can allow it)`;
  }
}

/** The host name or address of a URL, without the brackets of an IPv6 literal. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}
