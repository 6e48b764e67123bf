import type { ResponseHeaders, Target } from '../contract.js';

export function header(headers: ResponseHeaders, name: string): string | undefined {
  const v = headers[name];
  return typeof v === 'string' ? v : v?.[0];
}

/** Adapter headers, then the target's extra headers (lower-cased, they win). */
export function withExtraHeaders(base: Record<string, string>, target: Target): Record<string, string> {
  if (!target.extraHeaders) return base;
  for (const [k, v] of Object.entries(target.extraHeaders)) base[k.toLowerCase()] = v;
  return base;
}

/** `baseUrl` + `path`, tolerating a trailing slash on the base. */
export function joinUrl(baseUrl: string, path: string): string {
  return (baseUrl.endsWith('/') ? baseUrl.slice(0, -1) : baseUrl) + path;
}

/** Copy `extra` over a body (provider passthrough), last so the operator can override anything. */
export function applyExtra<T extends Record<string, unknown>>(body: T, extra: Readonly<Record<string, unknown>> | undefined): T {
  if (extra) for (const [k, v] of Object.entries(extra)) (body as Record<string, unknown>)[k] = v;
  return body;
}
