import type { RequestContext } from '../../core/context.js';
import { COUNTERS_SERVICE, type Counters, type QuotaOutcome, type QuotaPeriod, type QuotaSpec } from '../../core/counters.js';
import { addRateLimitFields, ceilSeconds, fallbackPartition, limitItem, partitionOf, policyItem, storeFailure, type LimitKey, type PartitionOf } from '../../core/limits.js';
import { definePolicy, deny, type CompileContext, type Decision } from '../../core/policy.js';
import { defineReasons } from '../../core/reasons.js';
import { QuotaSchema, type QuotaConfig, type QuotaItem } from './schema.js';

const FALLBACK = 'counted by client ip';

export const reasons = defineReasons([
  {
    code: 'quota.exceeded',
    status: 429,
    title: 'Quota exceeded',
    description: 'The quota policy refused the request: its key (by default the consumer) has used all its requests for the current day, week or month (UTC). The detail and `Retry-After` give the reset time; the trace names the quota and the count.',
  },
  {
    code: 'quota.failed_open',
    status: 200,
    title: 'Quota not enforced: counters unreachable',
    description: 'Trace only: the shared counters (Redis) could not be reached and the policy is configured with `failure_mode: open`, so the request went through uncounted. With `failure_mode: closed` it is refused with 503 `policy.unavailable` instead.',
  },
  {
    code: 'quota.key_missing',
    status: 200,
    title: 'Quota skipped: no key',
    description: 'Trace only: the request has no value for the quota\'s key (no authenticated consumer, no such header) and the policy sets `missing_key: skip`.',
  },
]);

const WINDOW_SECONDS: Record<QuotaPeriod, number | undefined> = { day: 86_400, week: 604_800, month: undefined };

interface CompiledQuota {
  readonly name: string;
  readonly limit: number;
  readonly period: QuotaPeriod;
  readonly key: LimitKey;
  readonly partition: PartitionOf;
  readonly spec: QuotaSpec;
}

function compileQuotas(config: QuotaConfig, ctx: CompileContext): CompiledQuota[] {
  const shorthand = config.limit !== undefined || config.period !== undefined;
  if (shorthand && config.limits) ctx.fail('limits', 'give either `limit`/`period` or `limits`, not both');
  let items: QuotaItem[];
  if (config.limits) items = config.limits;
  else if (config.limit !== undefined && config.period !== undefined) items = [{ limit: config.limit, period: config.period }];
  else return ctx.fail(config.limit === undefined ? 'limit' : 'period', 'set `limit` and `period` (or a `limits` list)');
  const names = new Set<string>();
  return items.map((item, i) => {
    const at = (field: string) => (config.limits ? `limits[${i}].${field}` : field);
    const key = item.key ?? config.key ?? 'consumer';
    const header = item.header ?? config.header;
    if (key === 'header' && !header) ctx.fail(at('header'), 'name the header when the key is `header`');
    const name = item.name ?? `quota-${item.period}`;
    if (names.has(name)) ctx.fail(at('name'), `two quotas are named "${name}"; give them distinct names`);
    names.add(name);
    const keyId = key === 'header' ? `header:${header!.toLowerCase()}` : key;
    return {
      name,
      limit: item.limit,
      period: item.period,
      key,
      partition: partitionOf(key, header),
      // Named by policy id and shape, never by config version: a reload keeps the counts.
      spec: { table: `${ctx.policyId}/${item.period}/${keyId}`, limit: item.limit, period: item.period },
    };
  });
}

const isoSeconds = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/**
 * Requests per calendar day, week or month (UTC), per consumer by default. Refuses with 429, the
 * reset time and `Retry-After`. In the simulator it only peeks.
 */
export const quota = definePolicy<QuotaConfig>({
  name: 'quota',
  phase: 'limit',
  priority: 30,
  summary: 'Requests per day, week or month (UTC) per consumer or other key; 429 with the reset time.',
  schema: QuotaSchema,
  reasons,
  compile(config, ctx) {
    const counters = ctx.services.get<Counters>(COUNTERS_SERVICE) ?? ctx.fail('', 'needs the `counters` service (provided by the cluster module), which is not available');
    const quotas = compileQuotas(config, ctx);
    const specs = quotas.map((q) => q.spec);
    const n = quotas.length;
    const skipMissing = config.missing_key === 'skip';
    const failClosed = config.failure_mode === 'closed';
    const sendHeaders = config.headers ?? true;
    const store = counters.kind;
    const keys = n === 1 ? quotas[0]!.key : quotas.map((q) => q.key);
    const policyField = quotas.map((q) => policyItem(q.name, q.limit, WINDOW_SECONDS[q.period])).join(', ');

    const decide = (req: RequestContext, o: QuotaOutcome, parts: readonly string[], fellBack: boolean): Decision => {
      if (sendHeaders) {
        let field = '';
        for (let i = 0; i < n; i++) field += (i ? ', ' : '') + limitItem(quotas[i]!.name, o.limits[i]!.remaining, ceilSeconds(o.limits[i]!.resetMs));
        addRateLimitFields(req, policyField, field);
      }
      const partition = n === 1 ? parts[0] : parts;
      if (o.allowed) {
        // The allowed path is the hot one: a small flat record, no dates formatted.
        const used = n === 1 ? o.limits[0]!.used : o.limits.map((x) => x.used);
        const data = fellBack ? { store, key: keys, partition, used, missing_key: FALLBACK } : { store, key: keys, partition, used };
        return req.dryRun ? { outcome: 'allow', detail: `would be allowed (dry run, nothing counted); ${summary(o)}`, data } : { outcome: 'allow', data };
      }
      const q = quotas[o.denied]!;
      const s = o.limits[o.denied]!;
      const retry = Math.max(1, ceilSeconds(s.resetMs));
      return deny('quota.exceeded', `Quota exhausted: ${q.limit} requests per ${q.period}. It resets at ${isoSeconds(s.resetAt)}.`, {
        headers: { 'retry-after': String(retry) },
        data: {
          store,
          key: keys,
          partition,
          ...(fellBack ? { missing_key: FALLBACK } : {}),
          quota: q.name,
          retry_after_s: retry,
          quotas: quotas.map((x, i) => ({ name: x.name, limit: x.limit, period: x.period, used: o.limits[i]!.used, resets_at: isoSeconds(o.limits[i]!.resetAt) })),
        },
      });
    };

    const summary = (o: QuotaOutcome) => quotas.map((q, i) => `${q.name}: ${o.limits[i]!.used}/${q.limit} used`).join(', ');

    return {
      evaluate(req) {
        const parts: string[] = new Array<string>(n);
        let fellBack = false;
        for (let i = 0; i < n; i++) {
          let p = quotas[i]!.partition(req);
          if (p === undefined) {
            if (skipMissing) return { outcome: 'skip', code: 'quota.key_missing', detail: `no ${quotas[i]!.key} on this request; not counted (missing_key: skip)` };
            p = fallbackPartition(req);
            fellBack = true;
          }
          parts[i] = p;
        }
        let r: QuotaOutcome | Promise<QuotaOutcome>;
        try {
          r = counters.quota(specs, parts, !req.dryRun);
        } catch (err) {
          return storeFailure(err, store, failClosed, 'quota.failed_open', 'Quota checking');
        }
        if (r instanceof Promise) {
          return r.then(
            (o) => decide(req, o, parts, fellBack),
            (err: unknown) => storeFailure(err, store, failClosed, 'quota.failed_open', 'Quota checking'),
          );
        }
        return decide(req, r, parts, fellBack);
      },
    };
  },
});

export default quota;
