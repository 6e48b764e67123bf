import { describe, expect, it } from 'vitest';
import { ClientGone } from '../../core/client-signal.js';
import { DecisionTrace } from '../../core/trace.js';
import type { ProviderError } from '../../core/llm/errors.js';
import type { ProviderAdapter } from '../providers/contract.js';
import { compileAiSection } from '../config/compile.js';
import type { AiSection } from '../config/schema.js';
import { AiRuntime } from '../runtime.js';
import { TransportError } from '../upstream/http.js';
import { route, type Attempt, type AttemptResult } from './router.js';

// The router only reads the adapter's identity and auth scheme; the attempt itself is the callback.
const stub = { id: 'stub', displayName: 'Stub', auth: 'bearer', defaultBaseUrl: 'http://127.0.0.1:1', capabilities: {} } as unknown as ProviderAdapter;

function setup(section: Omit<AiSection, 'providers'> & { providers?: AiSection['providers'] }) {
  const runtime = new AiRuntime();
  const ai = compileAiSection(
    {
      providers: section.providers ?? [
        { id: 'p1', type: 'stub', keys: [{ id: 'k1', secret: 'env:K1' }, { id: 'k2', secret: 'env:K2', priority: 1 }] },
        { id: 'p2', type: 'stub', keys: [{ id: 'k3', secret: 'env:K3' }] },
      ],
      ...section,
    },
    { adapter: () => stub, adapterIds: () => ['stub'], runtime, env: { K1: 'a', K2: 'b', K3: 'c' } },
  );
  const trace = new DecisionTrace();
  const ctl = { trace, requestId: 'r1', signal: new ClientGone(), startedAt: performance.now(), runtime, random: () => 0 };
  return { ai, trace, ctl, runtime };
}

const perr = (status: number, kind: ProviderError['kind'], extra: Partial<ProviderError> = {}): AttemptResult<string> => ({ ok: false, failure: { kind: 'provider', error: { status, kind, message: `m${status}`, ...extra } } });
const okv = (a: Attempt): AttemptResult<string> => ({ ok: true, value: `${a.deployment.label}:${a.key.id}` });

const fastRetry = { retries: { attempts: 2, backoff: 1, max_backoff: 2 } };

describe('router', () => {
  it('falls back to the next model on 429 and 5xx, tracing every attempt', async () => {
    const { ai, trace, ctl } = setup({
      models: [
        { name: 'a', targets: [{ provider: 'p1', model: 'm1' }], fallbacks: ['b'], routing: { retries: { attempts: 0 } } },
        { name: 'b', targets: [{ provider: 'p2', model: 'm2' }] },
      ],
      routing: fastRetry,
    });
    const seen: string[] = [];
    const r = await route(ai.byName.get('a')!, ctl, async (a) => {
      seen.push(`${a.deployment.label}:${a.key.id}`);
      return a.deployment.provider.id === 'p1' ? perr(503, 'overloaded') : okv(a);
    });
    expect(r.ok && r.value).toBe('p2/m2:k3');
    expect(seen).toEqual(['p1/m1:k1', 'p2/m2:k3']);
    const attempts = trace.entries.filter((e) => e.step === 'upstream' && (e.code === 'ai.attempt_failed' || e.outcome === 'allow'));
    expect(attempts.map((e) => e.outcome)).toEqual(['error', 'allow']);
    expect(attempts[0]!.data).toMatchObject({ attempt: 1, provider: 'p1', status: 503 });
    expect(attempts[1]!.data).toMatchObject({ attempt: 2, provider: 'p2', fallback: true });
  });

  it('disables a key on 401 and uses the next one; reports it', async () => {
    const { ai, trace, ctl, runtime } = setup({ models: [{ name: 'a', targets: [{ provider: 'p1', model: 'm1' }] }], routing: fastRetry });
    const r = await route(ai.byName.get('a')!, ctl, async (a) => (a.key.id === 'k1' ? perr(401, 'auth') : okv(a)));
    expect(r.ok && r.value).toBe('p1/m1:k2');
    const k1 = ai.providers.get('p1')!.keys.keys.find((k) => k.id === 'k1')!;
    expect(k1.health.disabled?.status).toBe(401);
    expect(trace.entries.some((e) => e.code === 'ai.key_disabled')).toBe(true);
    expect(runtime.events()[0]).toMatchObject({ kind: 'key_disabled', provider: 'p1', key: 'k1' });
    // The next request does not try k1 at all.
    const seen: string[] = [];
    await route(ai.byName.get('a')!, { ...ctl, trace: new DecisionTrace() }, async (a) => (seen.push(a.key.id), okv(a)));
    expect(seen).toEqual(['k2']);
  });

  it('a refused token (renewable 401) is retried with the same key without spending a retry; a second refusal disables it', async () => {
    const { ai, trace, ctl } = setup({
      providers: [{ id: 'p1', type: 'stub', keys: [{ id: 'k1', secret: 'env:K1' }, { id: 'k2', secret: 'env:K2', priority: 1 }] }],
      models: [{ name: 'a', targets: [{ provider: 'p1', model: 'm1' }], routing: { retries: { attempts: 1 } } }],
    });
    const renewable: AttemptResult<string> = { ok: false, failure: { kind: 'provider', error: { status: 401, kind: 'auth', message: 'expired' }, renewable: true } };
    const seen: string[] = [];
    let first = true;
    const r = await route(ai.byName.get('a')!, ctl, async (a) => {
      seen.push(a.key.id);
      if (first) return (first = false), renewable;
      return okv(a);
    });
    expect(r.ok && r.value).toBe('p1/m1:k1');
    expect(seen).toEqual(['k1', 'k1']);
    expect(ai.providers.get('p1')!.keys.keys[0]!.health.disabled).toBeUndefined();
    expect(trace.entries.some((e) => e.code === 'ai.key_disabled')).toBe(false);
    // Refused again with a new token: that is the key's own 401; one retry is left, for k2.
    const seen2: string[] = [];
    const r2 = await route(ai.byName.get('a')!, { ...ctl, trace: new DecisionTrace() }, async (a) => (seen2.push(a.key.id), a.key.id === 'k1' ? renewable : okv(a)));
    expect(r2.ok && r2.value).toBe('p1/m1:k2');
    expect(seen2).toEqual(['k1', 'k1', 'k2']);
    expect(ai.providers.get('p1')!.keys.keys[0]!.health.disabled?.status).toBe(401);
  });

  it('cools a key down for retry-after and answers 429 when nothing else is left', async () => {
    const { ai, ctl } = setup({
      providers: [{ id: 'p1', type: 'stub', keys: [{ id: 'k1', secret: 'env:K1' }] }],
      models: [{ name: 'a', targets: [{ provider: 'p1', model: 'm1' }] }],
      routing: fastRetry,
    });
    const r = await route(ai.byName.get('a')!, ctl, async () => perr(429, 'rate_limit', { retryAfterMs: 20_000 }));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.code).toBe('ai.upstream_rate_limited');
      expect(r.status).toBe(429);
      expect(r.retryAfterMs).toBe(20_000);
      expect(r.attempts).toBe(1);
    }
    const k1 = ai.providers.get('p1')!.keys.keys[0]!;
    expect(k1.health.coolUntilFor('m1')).toBeGreaterThan(Date.now() + 19_000);
    // A rate limit is per model: the key still serves the provider's other models.
    expect(k1.health.coolUntil).toBe(0);
    expect(k1.health.usable(Date.now(), 'm2')).toBe(true);
    const again = await route(ai.byName.get('a')!, { ...ctl, trace: new DecisionTrace() }, async (a) => okv(a));
    expect(!again.ok && again.code).toBe('ai.no_target');
    expect(!again.ok && again.retryAfterMs).toBeGreaterThan(19_000);
  });

  it('retries with backoff on 5xx and returns 502 saying it was the upstream', async () => {
    const { ai, ctl } = setup({ models: [{ name: 'a', targets: [{ provider: 'p2', model: 'm' }] }], routing: fastRetry });
    let n = 0;
    const r = await route(ai.byName.get('a')!, ctl, async () => (n++, perr(500, 'server')));
    expect(n).toBe(3);
    expect(!r.ok && r.code).toBe('ai.upstream_failed');
    expect(!r.ok && r.detail).toMatch(/Upstream failure for model a after 3 attempts/);
  });

  it('opens the circuit after consecutive failures and skips the target', async () => {
    const { ai, ctl, trace } = setup({
      models: [{ name: 'a', targets: [{ provider: 'p2', model: 'm' }] }],
      routing: { retries: { attempts: 0 }, circuit_breaker: { failures: 2, cooldown: '1m' } },
    });
    const model = ai.byName.get('a')!;
    for (let i = 0; i < 2; i++) await route(model, { ...ctl, trace: new DecisionTrace() }, async () => ({ ok: false, failure: { kind: 'transport', error: new TransportError('reset', 'ECONNRESET') } }));
    let called = false;
    const r = await route(model, ctl, async (a) => ((called = true), okv(a)));
    expect(called).toBe(false);
    expect(!r.ok && r.code).toBe('ai.no_target');
    expect(trace.entries.some((e) => e.code === 'ai.circuit_open')).toBe(true);
  });

  it('does not retry a request the provider rejected (400)', async () => {
    const { ai, ctl } = setup({ models: [{ name: 'a', targets: [{ provider: 'p1', model: 'm' }, { provider: 'p2', model: 'm' }] }], routing: fastRetry });
    let n = 0;
    const r = await route(ai.byName.get('a')!, ctl, async () => (n++, perr(400, 'invalid_request')));
    expect(n).toBe(1);
    expect(!r.ok && r.code).toBe('ai.upstream_rejected');
    expect(!r.ok && r.status).toBe(400);
  });

  it('stops at the overall deadline', async () => {
    const { ai, ctl } = setup({ models: [{ name: 'a', targets: [{ provider: 'p1', model: 'm' }] }], routing: { timeouts: { overall: 30 } } });
    const r = await route(ai.byName.get('a')!, ctl, (a) => new Promise((resolve) => a.scope.bind({ abort: (e) => resolve({ ok: false, failure: { kind: 'transport', error: e instanceof TransportError ? e : new TransportError('reset', e.message) } }) })));
    expect(!r.ok && r.code).toBe('ai.upstream_timeout');
    expect(!r.ok && r.detail).toMatch(/overall deadline of 30 ms/);
  });

  it('balances by weight', async () => {
    const { ai, ctl } = setup({ models: [{ name: 'a', targets: [{ provider: 'p1', model: 'x', weight: 1 }, { provider: 'p2', model: 'y', weight: 3 }] }] });
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const counts: Record<string, number> = {};
    for (let i = 0; i < 2000; i++) {
      const r = await route(ai.byName.get('a')!, { ...ctl, random, trace: new DecisionTrace() }, async (a) => okv(a));
      if (r.ok) {
        r.attempt.scope.dispose();
        counts[r.attempt.deployment.label] = (counts[r.attempt.deployment.label] ?? 0) + 1;
      }
    }
    expect(counts['p2/y']! / counts['p1/x']!).toBeGreaterThan(2.5);
    expect(counts['p2/y']! / counts['p1/x']!).toBeLessThan(3.5);
  });
});
