import type { ClientSignal } from '../../core/client-signal.js';
import { now } from '../../core/clock.js';
import type { DecisionTrace } from '../../core/trace.js';
import type { Target } from '../providers/contract.js';
import type { CompiledModel, Deployment, KeyMaterial } from '../config/compile.js';
import type { ProviderKey } from '../keys/key-pool.js';
import type { AiReasonCode } from '../reasons.js';
import type { AiRuntime } from '../runtime.js';
import { fullJitter, sleep } from './backoff.js';
import { AttemptScope } from './scope.js';
import { judge, type AttemptFailure, type Verdict } from './verdict.js';
import { pickWeighted } from './weighted.js';

/** One attempt: which model (the requested one or a fallback), target, key, and its clocks. */
export interface Attempt {
  readonly model: CompiledModel;
  readonly deployment: Deployment;
  readonly key: ProviderKey<KeyMaterial>;
  readonly target: Target;
  /** 1-based, across fallbacks. */
  readonly number: number;
  readonly scope: AttemptScope;
  readonly startedAt: number;
}

export type AttemptResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly failure: AttemptFailure };

export type RouteResult<T> =
  | { readonly ok: true; readonly value: T; readonly attempt: Attempt; readonly attempts: number }
  | {
      readonly ok: false;
      readonly code: AiReasonCode;
      readonly status?: number;
      readonly detail: string;
      readonly retryAfterMs?: number;
      readonly attempts: number;
      readonly clientClosed?: boolean;
      readonly last?: Attempt;
      /** The request parameter at fault (rejected or inexpressible requests). */
      readonly param?: string;
    };

export interface RequestControl {
  readonly trace: DecisionTrace;
  readonly requestId: string;
  /** Aborted when the client goes away. */
  readonly signal: ClientSignal;
  /** `now()` at the start of the request: the overall deadline counts from here. */
  readonly startedAt: number;
  readonly runtime: AiRuntime;
  readonly random?: () => number;
}

interface Pick {
  readonly deployment: Deployment;
  readonly key: ProviderKey<KeyMaterial>;
}

/**
 * Serves one request on a model: weighted choice of (target, key), retries with full jitter, then the
 * model's fallbacks, under the overall deadline. Keys that answer 401 are disabled, 429 cools them
 * down; 5xx, timeouts and connection errors count toward the target's circuit breaker. Every attempt
 * (and every key or circuit change) is a `step: 'upstream'` line of the decision trace.
 *
 * On success the attempt's scope (timers, client abort) passes to the caller, who disposes it.
 */
export async function route<T>(model: CompiledModel, ctl: RequestControl, run: (a: Attempt) => Promise<AttemptResult<T>>): Promise<RouteResult<T>> {
  const deadlineAt = ctl.startedAt + model.routing.overallMs;
  const excluded = new Set<ProviderKey<KeyMaterial>>();
  const skippedOpen = new Set<Deployment>();
  /** Keys whose refused token was renewed in this request: a second refusal is the key's own. */
  const renewed = new Set<ProviderKey<KeyMaterial>>();
  let attempts = 0;
  let last: { verdict: Verdict; attempt: Attempt } | undefined;
  let soonest: number | undefined;
  const groups = model.fallbacks.length === 0 ? [model] : [model, ...model.fallbacks];
  for (const group of groups) {
    const r = group.routing;
    const tried = new Set<Deployment>();
    for (let n = 0; n <= r.retries; n++) {
      if (ctl.signal.aborted) return { ok: false, code: 'ai.upstream_failed', detail: 'client closed', attempts, clientClosed: true, last: last?.attempt };
      const remaining = deadlineAt - now();
      if (remaining <= 0) return deadline(attempts, model, last?.attempt);
      const wall = Date.now();
      const pick = choose(group, tried, excluded, wall, ctl, skippedOpen);
      if (!pick) {
        soonest = earliest(soonest, whenUsable(group, excluded));
        break;
      }
      attempts++;
      const { deployment, key } = pick;
      key.health.requests++;
      const scope = new AttemptScope(r.attemptMs, remaining, ctl.signal);
      const attempt: Attempt = { model: group, deployment, key, target: deployment.targets.get(key)!, number: attempts, scope, startedAt: now() };
      let res: AttemptResult<T>;
      try {
        res = await run(attempt);
      } catch (err) {
        scope.dispose();
        deployment.breaker.release();
        throw err;
      }
      if (res.ok) {
        deployment.breaker.success();
        traceAttempt(ctl, attempt, group !== model, { outcome: 'allow', detail: `${deployment.label} answered` });
        return { ok: true, value: res.value, attempt, attempts };
      }
      scope.dispose();
      let f = res.failure;
      if (f.kind === 'provider' && f.renewable) {
        if (renewed.has(key)) f = { kind: 'provider', error: f.error };
        else renewed.add(key);
      }
      const verdict = judge(f, r);
      apply(verdict, attempt, ctl, wall, excluded);
      // Full jitter before the next attempt of this model (after 5xx and connection errors), recorded in the trace.
      const backoffMs =
        !verdict.stop && !verdict.renewed && verdict.moveOn && verdict.backoff && n < r.retries ? Math.min(fullJitter(n, r.backoffMs, r.maxBackoffMs, ctl.random), Math.max(0, deadlineAt - now())) : undefined;
      traceAttempt(ctl, attempt, group !== model, { outcome: 'error', verdict, failure: res.failure, backoffMs });
      if (verdict.stop === 'client_closed') return { ok: false, code: 'ai.upstream_failed', detail: 'client closed', attempts, clientClosed: true, last: attempt };
      if (verdict.stop === 'deadline') return deadline(attempts, model, attempt);
      last = { verdict, attempt };
      if (verdict.renewed) {
        n--; // a token refresh is not a retry: the same choice is made again with a new token
        continue;
      }
      tried.add(deployment);
      if (!verdict.moveOn) return failed(verdict, attempts, attempt, model);
      if (backoffMs !== undefined) await sleep(backoffMs, ctl.signal);
    }
  }
  if (last) return failed(last.verdict, attempts, last.attempt, model);
  const retryAfterMs = soonest !== undefined ? Math.max(1000, soonest - Date.now()) : undefined;
  ctl.trace.add({ step: 'upstream', phase: 'upstream', outcome: 'error', code: 'ai.no_target', detail: `no usable target for ${model.name}: circuits open or keys disabled/cooling`, data: { model: model.name, retry_after_ms: retryAfterMs }, ms: 0 });
  return { ok: false, code: 'ai.no_target', detail: `No provider target of model ${model.name} is available right now (circuit open or keys unavailable).`, retryAfterMs, attempts };
}

function deadline(attempts: number, model: CompiledModel, last: Attempt | undefined): RouteResult<never> {
  return { ok: false, code: 'ai.upstream_timeout', detail: `The provider did not answer within the overall deadline of ${model.routing.overallMs} ms (${attempts} attempt${attempts === 1 ? '' : 's'}).`, attempts, last };
}

function failed(v: Verdict, attempts: number, attempt: Attempt, model: CompiledModel): RouteResult<never> {
  const tries = `${attempts} attempt${attempts === 1 ? '' : 's'}`;
  const detail = v.code === 'ai.upstream_rejected' || v.code === 'ai.unsupported' ? `${attempt.deployment.provider.id}: ${v.detail}` : `Upstream failure for model ${model.name} after ${tries}: ${v.detail}.`;
  return { ok: false, code: v.code, status: v.status, detail, retryAfterMs: v.retryAfterMs, attempts, last: attempt, ...(v.param ? { param: v.param } : {}) };
}

const usableKey = (d: Deployment, now: number, excluded: ReadonlySet<ProviderKey<KeyMaterial>>) => d.provider.keys.pick(now, excluded, () => 0, d.providerModel) !== undefined;

function choose(group: CompiledModel, tried: ReadonlySet<Deployment>, excluded: ReadonlySet<ProviderKey<KeyMaterial>>, wall: number, ctl: RequestControl, skippedOpen: Set<Deployment>): Pick | undefined {
  const ok = (d: Deployment): boolean => {
    if (!d.breaker.available(wall)) {
      if (!skippedOpen.has(d)) {
        skippedOpen.add(d);
        ctl.trace.add({ step: 'upstream', phase: 'upstream', outcome: 'skip', code: 'ai.circuit_open', detail: `${d.label} skipped: circuit open until ${new Date(d.breaker.retryAt).toISOString()}`, data: { provider: d.provider.id, model: d.providerModel }, ms: 0 });
      }
      return false;
    }
    return usableKey(d, wall, excluded);
  };
  const deps = group.deployments;
  const d =
    deps.length === 1
      ? ok(deps[0]!) ? deps[0] : undefined
      : (pickWeighted(deps, (x) => !tried.has(x) && ok(x), ctl.random) ?? pickWeighted(deps, ok, ctl.random));
  if (!d || !d.breaker.tryAcquire(wall)) return undefined;
  const key = d.provider.keys.pick(wall, excluded, ctl.random, d.providerModel);
  if (!key) {
    d.breaker.release();
    return undefined;
  }
  return { deployment: d, key };
}

function whenUsable(group: CompiledModel, excluded: ReadonlySet<ProviderKey<KeyMaterial>>): number | undefined {
  let t: number | undefined;
  for (const d of group.deployments) {
    if (d.breaker.retryAt > 0) t = earliest(t, d.breaker.retryAt);
    for (const k of d.provider.keys.keys) {
      const until = k.health.coolUntilFor(d.providerModel);
      if (!k.health.disabled && !excluded.has(k) && until > 0) t = earliest(t, until);
    }
  }
  return t;
}

const earliest = (a: number | undefined, b: number | undefined) => (a === undefined ? b : b === undefined ? a : Math.min(a, b));

function apply(v: Verdict, a: Attempt, ctl: RequestControl, wall: number, excluded: Set<ProviderKey<KeyMaterial>>): void {
  const d = a.deployment;
  const k = a.key;
  if (v.breaker === 'fail') {
    if (d.breaker.failure(wall, a.model.routing.breaker)) {
      const detail = `circuit of ${d.label} opened for ${a.model.routing.breaker.cooldownMs} ms after ${a.model.routing.breaker.failures} consecutive failures`;
      ctl.runtime.event({ kind: 'circuit_open', provider: d.provider.id, model: d.providerModel, detail, requestId: ctl.requestId });
      ctl.trace.add({ step: 'upstream', phase: 'upstream', outcome: 'skip', code: 'ai.circuit_open', detail, data: { provider: d.provider.id, model: d.providerModel }, ms: 0 });
    }
  } else d.breaker.release();
  if (!v.key) return;
  // A rate limit rests the key for this model only: its health says so; the key stays open to other models.
  if (!(v.key === 'cooldown' && v.cooldownScope === 'model')) excluded.add(k);
  if (v.key === 'disable' && k.id !== '-') {
    k.health.disabled = { at: wall, status: 401, message: v.detail };
    const detail = `key ${k.id} of provider ${d.provider.id} disabled: ${v.detail}`;
    ctl.runtime.event({ kind: 'key_disabled', provider: d.provider.id, key: k.id, detail, requestId: ctl.requestId });
    ctl.trace.add({ step: 'upstream', phase: 'upstream', outcome: 'skip', code: 'ai.key_disabled', detail, data: { provider: d.provider.id, key: k.id }, ms: 0 });
  } else if (v.key === 'cooldown') {
    const ms = v.cooldownMs ?? a.model.routing.keyCooldownMs;
    const perModel = v.cooldownScope === 'model';
    if (perModel) k.health.coolModel(d.providerModel, wall + ms, wall);
    else k.health.coolUntil = Math.max(k.health.coolUntil, wall + ms);
    k.health.rateLimited++;
    const detail = `key ${k.id} of provider ${d.provider.id} cooling down for ${ms} ms${perModel ? ` for model ${d.providerModel}` : ' for every model'}`;
    ctl.runtime.event({ kind: 'key_cooldown', provider: d.provider.id, key: k.id, ...(perModel ? { model: d.providerModel } : {}), detail, requestId: ctl.requestId });
    ctl.trace.add({ step: 'upstream', phase: 'upstream', outcome: 'skip', code: 'ai.key_cooldown', detail, data: { provider: d.provider.id, key: k.id, cooldown_ms: ms, ...(perModel ? { model: d.providerModel } : {}) }, ms: 0 });
  }
}

function traceAttempt(
  ctl: RequestControl,
  a: Attempt,
  fallback: boolean,
  o: { outcome: 'allow'; detail: string } | { outcome: 'error'; verdict: Verdict; failure: AttemptFailure; backoffMs?: number },
): void {
  const ms = now() - a.startedAt;
  const data: Record<string, unknown> = {
    attempt: a.number,
    model: a.model.name,
    provider: a.deployment.provider.id,
    upstream_model: a.deployment.providerModel,
    key: a.key.id,
    ...(fallback ? { fallback: true } : {}),
  };
  if (o.outcome === 'allow') {
    ctl.trace.add({ step: 'upstream', phase: 'upstream', outcome: 'allow', detail: `attempt ${a.number}: ${o.detail}`, data, ms });
    return;
  }
  const f = o.failure;
  if (f.kind === 'transport') data['failure'] = f.error.failure;
  else {
    data['status'] = f.error.status;
    data['kind'] = f.error.kind;
    if (f.error.providerCode) data['provider_code'] = f.error.providerCode;
    if (f.error.message) data['message'] = f.error.message.slice(0, 500);
    if (f.error.retryAfterMs !== undefined) data['retry_after_ms'] = f.error.retryAfterMs;
  }
  if (o.backoffMs !== undefined) data['backoff_ms'] = o.backoffMs;
  const next = o.verdict.stop ? 'stopped' : o.verdict.moveOn ? (o.backoffMs !== undefined ? `moving on after ${o.backoffMs} ms` : 'moving on') : 'not retried';
  ctl.trace.add({ step: 'upstream', phase: 'upstream', outcome: 'error', code: 'ai.attempt_failed', detail: `attempt ${a.number}: ${a.deployment.label} (key ${a.key.id}): ${f.kind === 'transport' ? f.error.message : o.verdict.detail}; ${next}`, data, ms });
}
