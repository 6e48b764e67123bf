import type { RequestContext } from '../../core/context.js';
import { COUNTERS_SERVICE, type Counters, type RateOutcome, type RateSpec } from '../../core/counters.js';
import { formatDuration, parseDuration } from '../../core/duration.js';
import { addRateLimitFields, ceilSeconds, fallbackPartition, limitItem, partitionOf, policyItem, storeFailure, type LimitKey, type PartitionOf } from '../../core/limits.js';
import { definePolicy, deny, type CompileContext, type Decision } from '../../core/policy.js';
import { defineReasons } from '../../core/reasons.js';
import { RateLimitSchema, type RateLimitConfig, type RateLimitItem } from './schema.js';

const FALLBACK = 'counted by client ip';

export const reasons = defineReasons([
  {
    code: 'rate.limited',
    status: 429,
    title: 'Rate limit exceeded',
    description: 'The rate-limit policy refused the request: its key (consumer, credential, IP, route, header…) has used its requests for now. `Retry-After` says when the next one is accepted; the `RateLimit` field shows what is left of each limit. The trace names the limit, the key and the counters.',
  },
  {
    code: 'rate.failed_open',
    status: 200,
    title: 'Rate limit not enforced: counters unreachable',
    description: 'Trace only: the shared counters (Redis) could not be reached and the policy is configured with `failure_mode: open`, so the request went through uncounted. With `failure_mode: closed` it is refused with 503 `policy.unavailable` instead.',
  },
  {
    code: 'rate.key_missing',
    status: 200,
    title: 'Rate limit skipped: no key',
    description: 'Trace only: the request has no value for the limit\'s key (no authenticated consumer, no such header) and the policy sets `missing_key: skip`.',
  },
]);

interface CompiledLimit {
  readonly name: string;
  readonly limit: number;
  readonly window: string;
  readonly key: LimitKey;
  readonly partition: PartitionOf;
  readonly spec: RateSpec;
}

function compileLimits(config: RateLimitConfig, ctx: CompileContext): CompiledLimit[] {
  const shorthand = config.limit !== undefined || config.window !== undefined || config.burst !== undefined;
  if (shorthand && config.limits) ctx.fail('limits', 'give either `limit`/`window` or `limits`, not both');
  let items: RateLimitItem[];
  if (config.limits) items = config.limits;
  else if (config.limit !== undefined && config.window !== undefined) items = [{ limit: config.limit, window: config.window, burst: config.burst }];
  else return ctx.fail(config.limit === undefined ? 'limit' : 'window', 'set `limit` and `window` (or a `limits` list)');
  const names = new Set<string>();
  return items.map((item, i) => {
    const path = config.limits ? `limits[${i}]` : '';
    const windowMs = parseDuration(item.window);
    if (windowMs === undefined || windowMs <= 0) return ctx.fail(`${path ? `${path}.` : ''}window`, 'must be a positive duration');
    const key = item.key ?? config.key ?? 'consumer';
    const header = item.header ?? config.header;
    if (key === 'header' && !header) ctx.fail(`${path ? `${path}.` : ''}header`, 'name the header when the key is `header`');
    const window = formatDuration(windowMs);
    const name = item.name ?? `rate-${window}`;
    if (names.has(name)) ctx.fail(`${path ? `${path}.` : ''}name`, `two limits are named "${name}"; give them distinct names`);
    names.add(name);
    const burst = item.burst ?? item.limit;
    const emissionMs = windowMs / item.limit;
    const keyId = key === 'header' ? `header:${header!.toLowerCase()}` : key;
    return {
      name,
      limit: item.limit,
      window,
      key,
      partition: partitionOf(key, header),
      // Named by policy id and limit shape, never by config version: a reload keeps the counters.
      spec: { table: `${ctx.policyId}/${item.limit}/${windowMs}/${burst}/${keyId}`, emissionMs, capacityMs: emissionMs * burst },
    };
  });
}

/**
 * GCRA rate limits (several per policy, all must hold), counted per consumer, credential, client IP,
 * route, service or header value; in this process, or in Redis shared by every instance. Refuses
 * with 429, `Retry-After` and the IETF `RateLimit` fields. In the simulator it only peeks.
 */
export const rateLimit = definePolicy<RateLimitConfig>({
  name: 'rate-limit',
  phase: 'limit',
  priority: 20,
  summary: 'Requests per window (GCRA) by consumer, credential, IP, route or header; 429 with Retry-After and RateLimit fields.',
  schema: RateLimitSchema,
  reasons,
  compile(config, ctx) {
    const counters = ctx.services.get<Counters>(COUNTERS_SERVICE) ?? ctx.fail('', 'needs the `counters` service (provided by the cluster module), which is not available');
    const limits = compileLimits(config, ctx);
    const specs = limits.map((l) => l.spec);
    const n = limits.length;
    const skipMissing = config.missing_key === 'skip';
    const failClosed = config.failure_mode === 'closed';
    const sendHeaders = config.headers ?? true;
    const policyField = limits
      .map((l) => {
        const ms = parseDuration(l.window)!;
        return policyItem(l.name, l.limit, ms % 1000 === 0 ? ms / 1000 : undefined);
      })
      .join(', ');
    // Each limit's `RateLimit` item up to its remaining count (what limitItem writes), joined once.
    const itemStart = limits.map((l, i) => `${i ? ', ' : ''}${limitItem(l.name, 0).slice(0, -1)}`);
    const store = counters.kind;
    const keys = n === 1 ? limits[0]!.key : limits.map((l) => l.key);

    const decide = (req: RequestContext, o: RateOutcome, parts: readonly string[], fellBack: boolean): Decision => {
      if (sendHeaders) {
        let field = '';
        for (let i = 0; i < n; i++) {
          const s = o.limits[i]!;
          field += `${itemStart[i]!}${s.remaining};t=${ceilSeconds(s.waitMs)}`;
        }
        addRateLimitFields(req, policyField, field);
      }
      if (o.allowed) {
        // The allowed path is the hot one: a small flat record, no per-limit objects.
        const remaining = n === 1 ? o.limits[0]!.remaining : o.limits.map((x) => x.remaining);
        const data = fellBack ? { store, key: keys, partition: n === 1 ? parts[0] : parts, remaining, missing_key: FALLBACK } : { store, key: keys, partition: n === 1 ? parts[0] : parts, remaining };
        return req.dryRun ? { outcome: 'allow', detail: `would be allowed (dry run, nothing counted); ${remainingText(o)}`, data } : { outcome: 'allow', data };
      }
      const l = limits[o.denied]!;
      const retry = Math.max(1, ceilSeconds(o.limits[o.denied]!.waitMs));
      return deny('rate.limited', `Too many requests: the limit is ${l.limit} per ${l.window}. Retry after ${retry} s.`, {
        headers: { 'retry-after': String(retry) },
        data: {
          store,
          key: keys,
          partition: n === 1 ? parts[0] : parts,
          ...(fellBack ? { missing_key: FALLBACK } : {}),
          limit: l.name,
          retry_after_s: retry,
          limits: limits.map((x, i) => ({ name: x.name, limit: x.limit, window: x.window, remaining: o.limits[i]!.remaining, wait_ms: Math.ceil(o.limits[i]!.waitMs) })),
        },
      });
    };

    const remainingText = (o: RateOutcome) => limits.map((l, i) => `${l.name}: ${o.limits[i]!.remaining}/${l.limit} left`).join(', ');

    return {
      evaluate(req) {
        const parts: string[] = new Array<string>(n);
        let fellBack = false;
        for (let i = 0; i < n; i++) {
          let p = limits[i]!.partition(req);
          if (p === undefined) {
            if (skipMissing) return { outcome: 'skip', code: 'rate.key_missing', detail: `no ${limits[i]!.key} on this request; not limited (missing_key: skip)` };
            p = fallbackPartition(req);
            fellBack = true;
          }
          parts[i] = p;
        }
        let r: RateOutcome | Promise<RateOutcome>;
        try {
          r = counters.rate(specs, parts, !req.dryRun);
        } catch (err) {
          return storeFailure(err, store, failClosed, 'rate.failed_open', 'Rate limiting');
        }
        if (r instanceof Promise) {
          return r.then(
            (o) => decide(req, o, parts, fellBack),
            (err: unknown) => storeFailure(err, store, failClosed, 'rate.failed_open', 'Rate limiting'),
          );
        }
        return decide(req, r, parts, fellBack);
      },
    };
  },
});

export default rateLimit;
