/**
 * Which IMAP servers the adapter may connect to. A branch's IMAP settings make the adapter open a
 * connection, and send agents' passwords, wherever an admin points it: without a policy that is a
 * way into the adapter's own network (cloud metadata, internal services, a port scanner). So hosts
 * that resolve to loopback, link-local, private, unique-local, CGNAT, multicast, reserved or
 * unspecified addresses (IPv4-mapped IPv6 included) are refused, and ports other than 143 and 993,
 * unless the operator allows them (IMAP_ALLOWED_HOSTS, IMAP_ALLOWED_PORTS). The check runs when the
 * settings are saved and again on every connection, against what the name resolves to then (DNS
 * rebinding), and the connection goes to the address that was checked.
 */
import dns from 'node:dns';
import net from 'node:net';

export const STANDARD_IMAP_PORTS: readonly number[] = [143, 993];

/** Addresses no branch's mail server may have, unless allowed. */
const BLOCKED = new net.BlockList();
for (const [prefix, bits] of [
  ['0.0.0.0', 8], // "this network", unspecified
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata (169.254.169.254)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const)
  BLOCKED.addSubnet(prefix, bits, 'ipv4');
for (const [prefix, bits] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['64:ff9b:1::', 48], // local-use NAT64
  ['100::', 64], // discard
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local (cloud metadata fd00:ec2::254 too)
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const)
  BLOCKED.addSubnet(prefix, bits, 'ipv6');

/** Names that are internal by definition (and single-label names, found through search domains), refused before any lookup. */
const INTERNAL_NAME = /(^|\.)(localhost|local|internal|intranet|lan|home\.arpa|localdomain)$|^[^.]*$/;

/** The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d), compatible (::a.b.c.d) or NAT64 (64:ff9b::) IPv6 address. */
function embeddedIpv4(address: string): string | undefined {
  const lower = address.toLowerCase();
  const m = /^(?:::ffff:(?:0:)?|::|64:ff9b::)((?:\d{1,3}\.){3}\d{1,3})$/.exec(lower);
  if (m) return m[1];
  const hex = /^(?:::ffff:(?:0:)?|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (!hex) return undefined;
  const hi = parseInt(hex[1], 16);
  const lo = parseInt(hex[2], 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

export interface ImapHostPolicy {
  /** Host names (exact, lower case) the operator allows whatever they resolve to. */
  readonly names: ReadonlySet<string>;
  /** Addresses and ranges the operator allows. */
  readonly addresses: net.BlockList;
  /** Ports allowed besides 143 and 993. */
  readonly ports: ReadonlyArray<readonly [number, number]>;
}

export type Lookup = (host: string) => Promise<{ address: string; family: number }[]>;

const systemLookup: Lookup = (host) => dns.promises.lookup(host, { all: true, verbatim: true });

/**
 * The policy from the operator's lists: IMAP_ALLOWED_HOSTS (host names, IP addresses, CIDR ranges)
 * and IMAP_ALLOWED_PORTS (ports, or ranges such as 10000-10100). Each bad entry is a problem in words.
 */
export function imapHostPolicy(hosts: readonly string[], ports: readonly string[]): { policy: ImapHostPolicy; problems: string[] } {
  const problems: string[] = [];
  const names = new Set<string>();
  const addresses = new net.BlockList();
  for (const raw of hosts) {
    const entry = raw
      .trim()
      .toLowerCase()
      .replace(/^\[(.*)\]$/, '$1');
    const cidr = /^(.+)\/(\d{1,3})$/.exec(entry);
    const ip = cidr ? cidr[1] : entry;
    const family = net.isIP(ip);
    if (family) {
      const bits = cidr ? Number(cidr[2]) : family === 4 ? 32 : 128;
      if (bits > (family === 4 ? 32 : 128)) problems.push(`IMAP_ALLOWED_HOSTS: "${raw}" has a prefix longer than the address.`);
      else addresses.addSubnet(ip, bits, family === 4 ? 'ipv4' : 'ipv6');
    } else if (!cidr && /^(?!-)[a-z0-9-]{1,63}(?:\.(?!-)[a-z0-9-]{1,63})*$/.test(entry)) names.add(entry);
    else problems.push(`IMAP_ALLOWED_HOSTS: "${raw}" is neither a host name, an IP address nor a range such as 10.0.0.0/8.`);
  }
  const portRanges: [number, number][] = [];
  for (const raw of ports) {
    const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(raw.trim());
    const from = m ? Number(m[1]) : NaN;
    const to = m ? Number(m[2] ?? m[1]) : NaN;
    if (!m || from < 1 || to > 65535 || from > to) problems.push(`IMAP_ALLOWED_PORTS: "${raw}" is not a port (1–65535) or a range such as 10000-10100.`);
    else portRanges.push([from, to]);
  }
  return { policy: { names, addresses, ports: portRanges }, problems };
}

export const DEFAULT_POLICY: ImapHostPolicy = imapHostPolicy([], []).policy;

export function portAllowed(policy: ImapHostPolicy, port: number): boolean {
  return STANDARD_IMAP_PORTS.includes(port) || policy.ports.some(([from, to]) => port >= from && port <= to);
}

function addressAllowed(policy: ImapHostPolicy, address: string): boolean {
  const family = net.isIP(address);
  if (!family) return false;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (policy.addresses.check(address, type)) return true;
  const v4 = family === 6 ? embeddedIpv4(address) : undefined;
  if (v4) return policy.addresses.check(v4, 'ipv4') || !BLOCKED.check(v4, 'ipv4');
  return !BLOCKED.check(address, type);
}

export type HostCheck =
  | {
      ok: true;
      /** The address to connect to. */ address: string;
      /** The name for TLS (SNI, certificate check); undefined for an IP literal. */ servername?: string;
    }
  | { ok: false; field: 'host' | 'port'; message: string };

const refusedHost = (host: string) =>
  `"${host}" is on a private or internal network (or is this computer), so the adapter will not connect to it. Use the mail provider’s public IMAP server address; if this server is on your own network on purpose, the adapter’s operator can allow it with IMAP_ALLOWED_HOSTS.`;

/**
 * Whether the adapter may connect to host:port, and where: the first resolved address the policy
 * allows, provided it allows every one (a name resolving to one public and one private address is
 * refused, since the system resolver could pick either).
 */
export async function checkImapHost(policy: ImapHostPolicy, host: string, port: number, lookup: Lookup = systemLookup): Promise<HostCheck> {
  const target = await checkHost(policy, host, lookup);
  if (target.ok && !portAllowed(policy, port))
    return {
      ok: false,
      field: 'port',
      message: `The port must be 993 (SSL) or 143 (TLS), the ports IMAP servers use; ${port} is not allowed. If your server really uses another port, the adapter’s operator can allow it with IMAP_ALLOWED_PORTS.`,
    };
  return target;
}

async function checkHost(policy: ImapHostPolicy, host: string, lookup: Lookup): Promise<HostCheck> {
  const name = host.toLowerCase();
  if (net.isIP(name)) return addressAllowed(policy, name) ? { ok: true, address: name } : { ok: false, field: 'host', message: refusedHost(host) };
  const trusted = policy.names.has(name);
  if (!trusted && INTERNAL_NAME.test(name)) return { ok: false, field: 'host', message: refusedHost(host) };
  let found: { address: string }[];
  try {
    found = await lookup(name);
  } catch {
    found = [];
  }
  if (found.length === 0)
    return {
      ok: false,
      field: 'host',
      message: `The server address "${host}" could not be found. Check it with the mail provider (for example imap.example-mail.co.uk).`,
    };
  if (!trusted && !found.every((a) => addressAllowed(policy, a.address))) return { ok: false, field: 'host', message: refusedHost(host) };
  return { ok: true, address: found[0].address, servername: name };
}
