import { parseIp, type CidrSet } from '../core/ip.js';

/** `::ffff:1.2.3.4` → `1.2.3.4`: one spelling per client in traces, limits and logs. */
export function normalizeAddress(addr: string | undefined): string {
  if (!addr) return '';
  return addr.startsWith('::ffff:') && addr.includes('.') ? addr.slice(7) : addr;
}

/**
 * The client address: the TCP peer, unless the peer is a trusted proxy, in which case
 * X-Forwarded-For is walked from the right, skipping trusted hops (the first untrusted hop is the
 * client). A malformed entry stops the walk there.
 */
export function resolveClientIp(remote: string, xff: string | string[] | undefined, trusted: CidrSet | undefined): string {
  if (!trusted || xff === undefined || !trusted.has(parseIp(remote))) return remote;
  const hops = (Array.isArray(xff) ? xff.join(',') : xff).split(',');
  let client = remote;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = normalizeAddress(hops[i]!.trim());
    const ip = parseIp(hop);
    if (!ip) return client;
    client = hop;
    if (!trusted.has(ip)) return hop;
  }
  return client;
}
