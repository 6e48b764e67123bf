/**
 * What the traffic policies (rate-limit, quota, concurrency-limit) share: who a limit applies to
 * (the partition of a request) and the IETF RateLimit response fields
 * (draft-ietf-httpapi-ratelimit-headers-11: `RateLimit-Policy: "name";q=10;w=60` and
 * `RateLimit: "name";r=3;t=12`), which several policies may add items to on the same response.
 */
import type { RequestContext } from './context.js';
import type { Decision } from './policy.js';

export const LIMIT_KEYS = ['consumer', 'credential', 'ip', 'route', 'service', 'header', 'global'] as const;
export type LimitKey = (typeof LIMIT_KEYS)[number];

/** The partition a request counts against, or undefined when the request lacks it (no consumer, no header). */
export type PartitionOf = (ctx: RequestContext) => string | undefined;

const byConsumer: PartitionOf = (ctx) => ctx.consumer?.id;
const byCredential: PartitionOf = (ctx) => ctx.credential?.id;
const byIp: PartitionOf = (ctx) => ctx.clientIp;
const byRoute: PartitionOf = (ctx) => ctx.route?.id;
const byService: PartitionOf = (ctx) => ctx.route?.serviceId;
const everyone: PartitionOf = () => '*';

/** Built once per config version; `header` names the header when `key` is `header`. */
export function partitionOf(key: LimitKey, header?: string): PartitionOf {
  switch (key) {
    case 'consumer':
      return byConsumer;
    case 'credential':
      return byCredential;
    case 'ip':
      return byIp;
    case 'route':
      return byRoute;
    case 'service':
      return byService;
    case 'global':
      return everyone;
    case 'header': {
      const name = (header ?? '').toLowerCase();
      // Prefixed so a header value can never name another key's partition (e.g. a fallback IP).
      return (ctx) => {
        const v = ctx.headers[name];
        const first = Array.isArray(v) ? v[0] : v;
        return first === undefined || first === '' ? undefined : `h:${first}`;
      };
    }
  }
}

/** Partition used when the configured key is missing from the request (Kong's behaviour: the client IP). */
export function fallbackPartition(ctx: RequestContext): string {
  return `ip:${ctx.clientIp}`;
}

/** A quota policy item of `RateLimit-Policy` (names are validated tokens, safe to quote as-is). */
export function policyItem(name: string, quota: number, windowSeconds?: number, unit?: 'requests' | 'concurrent-requests'): string {
  return `"${name}";q=${quota}${unit && unit !== 'requests' ? `;qu="${unit}"` : ''}${windowSeconds !== undefined ? `;w=${windowSeconds}` : ''}`;
}

/** A service limit item of `RateLimit`: `r` available units, `t` seconds during which no more than `r` are available. */
export function limitItem(name: string, remaining: number, seconds?: number): string {
  return seconds === undefined ? `"${name}";r=${remaining}` : `"${name}";r=${remaining};t=${seconds}`;
}

/** Whole seconds for `Retry-After` and `t`: rounded up, at least 1 when anything is left to wait. */
export function ceilSeconds(ms: number): number {
  return ms <= 0 ? 0 : Math.ceil(ms / 1000);
}

const FIELDS = 'ratelimit.fields';

interface Fields {
  policy: string;
  limit: string;
}

/**
 * Adds items to the response's `RateLimit-Policy` and `RateLimit` fields, after those of other
 * policies on the same request (answers and denials alike).
 */
export function addRateLimitFields(ctx: RequestContext, policyItems: string, limitItems: string): void {
  let f = ctx.locals.get(FIELDS) as Fields | undefined;
  if (f) {
    f.policy = `${f.policy}, ${policyItems}`;
    f.limit = `${f.limit}, ${limitItems}`;
  } else {
    f = { policy: policyItems, limit: limitItems };
    ctx.locals.set(FIELDS, f);
  }
  ctx.setResponseHeader('RateLimit-Policy', f.policy);
  ctx.setResponseHeader('RateLimit', f.limit);
}

/** Names of limits inside a policy: what `RateLimit-Policy` items are called. */
export const LIMIT_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$';

/**
 * The decision when the counters store failed (Redis unreachable or too slow): `closed` refuses with
 * 503 `policy.unavailable` (the limit could not be checked; not the client's fault, so not 429),
 * `open` lets the request through uncounted with the policy's trace-only `openCode`.
 */
export function storeFailure(err: unknown, store: string, failClosed: boolean, openCode: string, what: string): Decision {
  const error = err instanceof Error ? err.message : String(err);
  if (failClosed) {
    return {
      outcome: 'deny',
      code: 'policy.unavailable',
      detail: `${what} is temporarily unavailable; the request was refused.`,
      headers: { 'retry-after': '1' },
      data: { store, error, failure_mode: 'closed' },
    };
  }
  return { outcome: 'allow', code: openCode, detail: `${store} counters unreachable (${error}); failed open: allowed without counting`, data: { store, error, failure_mode: 'open' } };
}
