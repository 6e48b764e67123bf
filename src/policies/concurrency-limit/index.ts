import type { RequestContext } from '../../core/context.js';
import { COUNTERS_SERVICE, type ConcurrencyOutcome, type ConcurrencySlot, type Counters } from '../../core/counters.js';
import { parseDuration } from '../../core/duration.js';
import { addRateLimitFields, fallbackPartition, limitItem, partitionOf, policyItem, storeFailure } from '../../core/limits.js';
import { definePolicy, deny, type Decision } from '../../core/policy.js';
import { defineReasons } from '../../core/reasons.js';
import { ConcurrencyLimitSchema, type ConcurrencyLimitConfig } from './schema.js';

export const reasons = defineReasons([
  {
    code: 'concurrency.limited',
    status: 429,
    title: 'Too many concurrent requests',
    description: 'The concurrency-limit policy refused the request: its key (by default the route) already has `limit` requests in flight. Retry when one finishes; the trace shows the count.',
  },
  {
    code: 'concurrency.failed_open',
    status: 200,
    title: 'Concurrency limit not enforced: counters unreachable',
    description: 'Trace only: the shared counters (Redis) could not be reached and the policy is configured with `failure_mode: open`, so the request went through without taking a slot. With `failure_mode: closed` it is refused with 503 `policy.unavailable` instead.',
  },
  {
    code: 'concurrency.key_missing',
    status: 200,
    title: 'Concurrency limit skipped: no key',
    description: 'Trace only: the request has no value for the limit\'s key (no authenticated consumer, no such header) and the policy sets `missing_key: skip`.',
  },
]);

/**
 * Last line of defence against leaked slots: if a request context is ever dropped without its finish
 * hook running (a gateway bug), its slot is given back when the context is garbage-collected.
 */
const orphans = new FinalizationRegistry<{ readonly counters: Counters; readonly slot: ConcurrencySlot }>((h) => h.counters.release(h.slot));

/**
 * Requests in flight at once, per route (default), consumer, credential, IP, service or header.
 * The slot is taken when the request passes the policy and given back in the finish hook — after the
 * response, after a refusal by a later policy, after an upstream failure and when the client goes
 * away alike. In the simulator it only peeks.
 */
export const concurrencyLimit = definePolicy<ConcurrencyLimitConfig>({
  name: 'concurrency-limit',
  phase: 'limit',
  priority: 10,
  summary: 'Requests in flight at once per route, consumer or other key; 429 when all slots are taken.',
  schema: ConcurrencyLimitSchema,
  reasons,
  compile(config, ctx) {
    const counters = ctx.services.get<Counters>(COUNTERS_SERVICE) ?? ctx.fail('', 'needs the `counters` service (provided by the cluster module), which is not available');
    const key = config.key ?? 'route';
    if (key === 'header' && !config.header) ctx.fail('header', 'name the header when the key is `header`');
    const leaseMs = parseDuration(config.lease ?? '60s') ?? ctx.fail('lease', 'must be a duration');
    if (leaseMs < 2000) ctx.fail('lease', 'must be at least 2s');
    const limit = config.limit;
    const name = config.name ?? 'concurrency';
    const partition = partitionOf(key, config.header);
    const keyId = key === 'header' ? `header:${config.header!.toLowerCase()}` : key;
    const spec = { table: `${ctx.policyId}/${keyId}`, limit, leaseMs };
    const skipMissing = config.missing_key === 'skip';
    const failClosed = config.failure_mode === 'closed';
    const sendHeaders = config.headers ?? true;
    const store = counters.kind;
    const policyField = policyItem(name, limit, undefined, 'concurrent-requests');
    // Where this request's slot is kept until the finish hook gives it back.
    const held = `concurrency-limit:${ctx.policyId}`;

    const decide = (req: RequestContext, o: ConcurrencyOutcome, part: string, fellBack: boolean): Decision => {
      if (o.slot) {
        req.locals.set(held, o.slot);
        orphans.register(req, { counters, slot: o.slot }, o.slot);
      }
      if (sendHeaders) addRateLimitFields(req, policyField, limitItem(name, o.allowed ? Math.max(0, limit - o.inFlight) : 0));
      const data = { store, key, partition: part, ...(fellBack ? { missing_key: 'counted by client ip' } : {}), limit, in_flight: o.inFlight };
      if (o.allowed) {
        return req.dryRun ? { outcome: 'allow', detail: `would be allowed (dry run, no slot taken); ${o.inFlight} of ${limit} in flight`, data } : { outcome: 'allow', data };
      }
      return deny('concurrency.limited', `Too many concurrent requests: the limit is ${limit} in flight at once.`, {
        headers: { 'retry-after': '1' },
        data,
      });
    };

    return {
      evaluate(req) {
        let p = partition(req);
        let fellBack = false;
        if (p === undefined) {
          if (skipMissing) return { outcome: 'skip', code: 'concurrency.key_missing', detail: `no ${key} on this request; not limited (missing_key: skip)` };
          p = fallbackPartition(req);
          fellBack = true;
        }
        const part = p;
        let r: ConcurrencyOutcome | Promise<ConcurrencyOutcome>;
        try {
          r = counters.acquire(spec, part, !req.dryRun);
        } catch (err) {
          return storeFailure(err, store, failClosed, 'concurrency.failed_open', 'Concurrency limiting');
        }
        if (r instanceof Promise) {
          return r.then(
            (o) => decide(req, o, part, fellBack),
            (err: unknown) => storeFailure(err, store, failClosed, 'concurrency.failed_open', 'Concurrency limiting'),
          );
        }
        return decide(req, r, part, fellBack);
      },
      onFinish(req) {
        const slot = req.locals.get(held) as ConcurrencySlot | undefined;
        if (!slot) return;
        req.locals.delete(held);
        orphans.unregister(slot);
        counters.release(slot);
      },
    };
  },
});

export default concurrencyLimit;
