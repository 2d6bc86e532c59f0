import { BlockList, isIP } from 'node:net';
import { HOP_BY_HOP_HEADERS } from './hop-by-hop';

/**
 * Headers an untrusted client could use to pose as someone else (client IP, scheme, host,
 * prefix); only trusted proxies keep them. Every `x-forwarded-*` is a claim too.
 */
const CLIENT_CLAIMS = [
  'forwarded',
  'x-real-ip',
  'x-client-ip',
  'true-client-ip',
  'x-cluster-client-ip',
];
const FORWARDED_PREFIX = 'x-forwarded-';

/**
 * The request's headers as integrations see them: lower-cased names, every value in order, hop-by-hop
 * headers (and any the Connection header names) removed.
 * @param rawHeaders Node's `req.rawHeaders`: `[name, value, name, value, …]`
 */
export function collectRequestHeaders(rawHeaders: readonly string[]): Record<string, string[]> {
  const headers = Object.create(null) as Record<string, string[]>;
  let connection: string[] | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    const value = rawHeaders[i + 1]!;
    if (HOP_BY_HOP_HEADERS.has(name)) {
      if (name === 'connection') (connection ??= []).push(value);
      continue;
    }
    const list = headers[name];
    if (list) list.push(value);
    else headers[name] = [value];
  }
  if (connection) {
    for (const value of connection) {
      for (const token of value.split(',')) delete headers[token.trim().toLowerCase()];
    }
  }
  return headers;
}

/** The TRUSTED_PROXIES setting: IPs and CIDR blocks whose X-Forwarded-* headers are believed. */
export class TrustedProxies {
  private readonly list = new BlockList();
  readonly none: boolean;

  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const slash = entry.indexOf('/');
      if (slash === -1) {
        this.list.addAddress(entry, isIP(entry) === 6 ? 'ipv6' : 'ipv4');
      } else {
        const network = entry.slice(0, slash);
        const type = isIP(network) === 6 ? 'ipv6' : 'ipv4';
        this.list.addSubnet(network, Number(entry.slice(slash + 1)), type);
      }
    }
    this.none = entries.length === 0;
  }

  trusts(ip: string): boolean {
    if (this.none) return false;
    const family = isIP(ip);
    return family !== 0 && this.list.check(ip, family === 6 ? 'ipv6' : 'ipv4');
  }
}

export interface Peer {
  /** The socket's remote address. */
  ip: string;
  encrypted: boolean;
  /** The port the request came in on. */
  localPort: number;
}

/**
 * Sets X-Forwarded-For/Proto/Host/Port and returns the client IP (`sourceIp`). From a trusted
 * proxy, what it sent is kept (the peer appended to X-Forwarded-For) and the client is the
 * right-most address in the chain that is not itself a trusted proxy. From anyone else, those
 * headers are replaced by the edge's own view, and claims like `Forwarded` are dropped.
 */
export function applyForwardedHeaders(
  headers: Record<string, string[]>,
  peer: Peer,
  proxies: TrustedProxies,
): string {
  const peerIp = unmapIpv4(peer.ip);
  const host = headers['host']?.[0];
  if (!proxies.trusts(peerIp)) {
    for (const name in headers) if (name.startsWith(FORWARDED_PREFIX)) delete headers[name];
    for (const name of CLIENT_CLAIMS) delete headers[name];
    headers['x-forwarded-for'] = [peerIp];
    headers['x-forwarded-proto'] = [peer.encrypted ? 'https' : 'http'];
    headers['x-forwarded-port'] = [String(peer.localPort)];
    if (host !== undefined) headers['x-forwarded-host'] = [host];
    return peerIp;
  }
  const chain = parseForwardedFor(headers['x-forwarded-for']);
  headers['x-forwarded-for'] = [chain.length > 0 ? `${chain.join(', ')}, ${peerIp}` : peerIp];
  headers['x-forwarded-proto'] ??= [peer.encrypted ? 'https' : 'http'];
  headers['x-forwarded-port'] ??= [String(peer.localPort)];
  if (host !== undefined) headers['x-forwarded-host'] ??= [host];
  let client = peerIp;
  for (let i = chain.length - 1; i >= 0; i--) {
    const hop = unmapIpv4(chain[i]!);
    // An entry that is not an address cannot be believed: stop at the last hop that was.
    if (isIP(hop) === 0) break;
    client = hop;
    if (!proxies.trusts(hop)) break;
  }
  return client;
}

function parseForwardedFor(values: string[] | undefined): string[] {
  if (!values) return [];
  const out: string[] = [];
  for (const value of values) {
    for (const part of value.split(',')) {
      const hop = part.trim();
      if (hop !== '') out.push(hop);
    }
  }
  return out;
}

/** `::ffff:203.0.113.7` (an IPv4 client on a dual-stack socket) → `203.0.113.7`. */
export function unmapIpv4(ip: string): string {
  return ip.startsWith('::ffff:') && ip.indexOf('.') !== -1 ? ip.slice(7) : ip;
}
