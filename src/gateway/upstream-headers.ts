import type { GatewayRequestContext } from './request-context.js';
import { HOP_BY_HOP } from './upstream/errors.js';

/** Headers the gateway sets itself on the upstream request (incoming values are replaced). */
const REPLACED = new Set(['host', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'expect']);

export interface ForwardOptions {
  readonly preserveHost: boolean;
  readonly requestIdHeader: string;
  /** The TCP peer is a trusted proxy: its X-Forwarded-* are kept and extended. */
  readonly trustedPeer: boolean;
  readonly protocol: 'http' | 'https';
  /** Length of a buffered or replaced body (Content-Length is then set to it). */
  readonly bodyLength: number | undefined;
  /** W3C traceparent continuing the gateway's span (tracing on); replaces the client's. */
  readonly traceparent?: string;
}

/**
 * The header list sent upstream: the client's raw headers (case kept) minus hop-by-hop and the
 * Connection-named ones, then X-Forwarded-*, the request id, and the policies' edits.
 */
export function upstreamHeaders(raw: readonly string[], ctx: GatewayRequestContext, o: ForwardOptions): string[] {
  const out: string[] = [];
  const edits = ctx.upstreamEdits;
  const conn = ctx.headers['connection'];
  // Headers named in Connection are hop-by-hop too (rare beyond keep-alive/close).
  const named = typeof conn === 'string' && !/^\s*(keep-alive|close)\s*$/i.test(conn)
    ? new Set(conn.toLowerCase().split(',').map((s) => s.trim()))
    : undefined;
  let xff: string | undefined;
  let xfProto: string | undefined;
  let xfHost: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || named?.has(lower) || lower === o.requestIdHeader) continue;
    if (REPLACED.has(lower)) {
      if (o.trustedPeer) {
        if (lower === 'x-forwarded-for') xff = xff ? `${xff}, ${raw[i + 1]!}` : raw[i + 1]!;
        else if (lower === 'x-forwarded-proto') xfProto ??= raw[i + 1]!;
        else if (lower === 'x-forwarded-host') xfHost ??= raw[i + 1]!;
      }
      continue;
    }
    if (o.bodyLength !== undefined && lower === 'content-length') continue;
    if (o.traceparent !== undefined && lower === 'traceparent') continue;
    if (edits && (edits.removed?.has(lower) || edits.set?.has(lower))) continue;
    out.push(name, raw[i + 1]!);
  }
  const host = ctx.host;
  if (o.preserveHost && host) out.push('host', host);
  out.push('x-forwarded-for', xff ? `${xff}, ${ctx.remoteAddress}` : ctx.remoteAddress);
  out.push('x-forwarded-proto', xfProto ?? o.protocol);
  if (xfHost ?? host) out.push('x-forwarded-host', (xfHost ?? host)!);
  out.push(o.requestIdHeader, ctx.id);
  if (o.bodyLength !== undefined) out.push('content-length', String(o.bodyLength));
  if (o.traceparent !== undefined) out.push('traceparent', o.traceparent);
  if (edits?.set) for (const [k, v] of edits.set) out.push(k, v);
  return out;
}
