import { describe, expect, it } from 'vitest';
import { buildChain, type PolicyAttachment } from './chain.js';
import type { RequestPhase } from './phases.js';
import { runRequestPhases, runResponseHooks, startExecution } from './pipeline.js';
import { allow, deny, skip, type Decision, type PolicyInstance } from './policy.js';
import { BodyTooLargeError, type RequestContext } from './context.js';
import { DecisionTrace, type PolicyScope } from './trace.js';

/** A minimal RequestContext: the pipeline only touches trace, consumer and currentPolicy. */
function ctx(): RequestContext {
  return { trace: new DecisionTrace(), consumer: undefined, locals: new Map() } as unknown as RequestContext;
}

function att(name: string, scope: PolicyScope, phase: RequestPhase, evaluate: PolicyInstance['evaluate'], extra: Partial<PolicyAttachment['step']> & { enabled?: boolean } = {}): PolicyAttachment {
  const { enabled = true, ...step } = extra;
  return {
    enabled,
    step: { ref: { id: `${scope}:${name}`, name, scope }, phase, priority: 100, shadow: false, instance: { evaluate }, ...step },
  };
}

const ok = (): Decision => allow();

describe('chain resolution', () => {
  it('orders by phase, then priority, then scope; most specific scope wins per name', () => {
    const chain = buildChain([
      att('rate-limit', 'global', 'limit', ok),
      att('ip-restriction', 'global', 'guard', ok),
      att('key-auth', 'service', 'authenticate', ok),
      att('rate-limit', 'route', 'limit', ok),
      att('request-size', 'route', 'guard', ok, { priority: 5 }),
    ]);
    expect(chain.steps.map((s) => s.ref.id)).toEqual(['route:request-size', 'global:ip-restriction', 'service:key-auth', 'route:rate-limit']);
    expect(chain.preface).toEqual([expect.objectContaining({ outcome: 'skip', code: 'policy.overridden', detail: 'overridden by route policy route:rate-limit', policy: { id: 'global:rate-limit', name: 'rate-limit', scope: 'global' } })]);
  });

  it('enabled: false at a narrower scope switches the policy off, and says so', () => {
    const chain = buildChain([att('ip-restriction', 'global', 'guard', ok), att('ip-restriction', 'route', 'guard', ok, { enabled: false })]);
    expect(chain.steps).toHaveLength(0);
    expect(chain.preface.map((e) => e.code)).toEqual(['policy.overridden', 'policy.disabled']);
  });
});

describe('runRequestPhases', () => {
  it('stops at the first enforced denial and records every evaluation', () => {
    const seen: string[] = [];
    const chain = buildChain([
      att('a', 'global', 'guard', () => (seen.push('a'), allow('fine', { x: 1 }))),
      att('b', 'global', 'authorize', () => (seen.push('b'), deny('acl.denied', 'no', { headers: { 'x-h': '1' }, data: { group: 'g' } }))),
      att('c', 'global', 'limit', () => (seen.push('c'), allow())),
    ]);
    const c = ctx();
    const d = runRequestPhases(c, startExecution(chain), () => undefined);
    expect(d).toEqual({ decision: expect.objectContaining({ code: 'acl.denied', headers: { 'x-h': '1' } }), policy: { id: 'global:b', name: 'b', scope: 'global' } });
    expect(seen).toEqual(['a', 'b']);
    expect(c.trace.entries.map((e) => [e.policy?.name, e.outcome, e.code])).toEqual([['a', 'allow', undefined], ['b', 'deny', 'acl.denied']]);
    expect(c.trace.entries[1]).toMatchObject({ enforced: true, data: { group: 'g' }, phase: 'authorize' });
  });

  it('shadow mode records the denial as not enforced and continues', () => {
    const chain = buildChain([att('a', 'global', 'guard', () => deny('ip.denied', 'x'), { shadow: true }), att('b', 'global', 'limit', ok)]);
    const c = ctx();
    expect(runRequestPhases(c, startExecution(chain), () => undefined)).toBeUndefined();
    expect(c.trace.entries.map((e) => [e.outcome, e.enforced])).toEqual([['deny', false], ['allow', undefined]]);
    expect(c.trace.denial()).toBeUndefined();
  });

  it('stays synchronous until a policy returns a promise, then continues asynchronously', async () => {
    const chain = buildChain([
      att('sync', 'global', 'guard', ok),
      att('async', 'global', 'authenticate', () => Promise.resolve(skip('no credential needed'))),
      att('after', 'global', 'limit', () => deny('rate.limited', 'slow down')),
    ]);
    const c = ctx();
    const r = runRequestPhases(c, startExecution(chain), () => undefined);
    expect(r).toBeInstanceOf(Promise);
    expect((await r)?.decision.code).toBe('rate.limited');
    expect(c.trace.entries.map((e) => e.outcome)).toEqual(['allow', 'skip', 'deny']);
  });

  it('a throwing policy fails closed with policy.error; body limits get their own code', async () => {
    const boom = buildChain([att('boom', 'route', 'validate', () => { throw new Error('bug'); })]);
    const c1 = ctx();
    const d1 = runRequestPhases(c1, startExecution(boom), () => undefined);
    expect(d1).toMatchObject({ decision: { code: 'policy.error', data: { error: 'bug' } } });
    expect(c1.trace.entries[0]?.outcome).toBe('error');

    const big = buildChain([att('size', 'route', 'validate', () => Promise.reject(new BodyTooLargeError(10, 11)))]);
    const d2 = await runRequestPhases(ctx(), startExecution(big), () => undefined);
    expect(d2?.decision.code).toBe('request.body_too_large');
  });

  it('merges consumer policies after authentication: replaces pending same-named ones, adds earlier-phase ones in authorize', () => {
    const seen: string[] = [];
    const chain = buildChain([
      att('ip-restriction', 'global', 'guard', () => (seen.push('global-ip'), allow())),
      att('key-auth', 'route', 'authenticate', (c) => {
        seen.push('auth');
        c.consumer = { id: 'gold', groups: [] };
        return allow();
      }),
      att('rate-limit', 'route', 'limit', () => (seen.push('route-rl'), allow())),
    ]);
    const consumer = [
      att('rate-limit', 'consumer', 'limit', () => (seen.push('gold-rl'), allow())),
      att('ip-restriction', 'consumer', 'guard', () => (seen.push('gold-ip'), allow())),
    ];
    const c = ctx();
    void runRequestPhases(c, startExecution(chain), (id) => (id === 'gold' ? consumer : undefined));
    expect(seen).toEqual(['global-ip', 'auth', 'gold-ip', 'gold-rl']);
    const overridden = c.trace.entries.find((e) => e.code === 'policy.overridden');
    expect(overridden?.detail).toBe('overridden by consumer policy consumer:rate-limit');
    const goldIp = c.trace.entries.find((e) => e.policy?.id === 'consumer:ip-restriction');
    expect(goldIp?.phase).toBe('authorize');
  });

  it('runs consumer policies even when the route chain ends with authentication', async () => {
    const chain = buildChain([
      att('key-auth', 'route', 'authenticate', (c) => {
        c.consumer = { id: 'x', groups: [] };
        return allow();
      }),
    ]);
    const c = ctx();
    const d = await runRequestPhases(c, startExecution(chain), () => [att('acl', 'consumer', 'authorize', () => deny('acl.denied', 'no'))]);
    expect(d?.decision.code).toBe('acl.denied');
  });

  it('response hooks run only for policies that were evaluated', () => {
    const hooked: string[] = [];
    const inst = (name: string, d: Decision): PolicyInstance => ({ evaluate: () => d, onResponse: () => void hooked.push(name) });
    const chain = buildChain([
      { enabled: true, step: { ref: { id: 'a', name: 'a', scope: 'global' }, phase: 'guard', priority: 1, shadow: false, instance: inst('a', allow()) } },
      { enabled: true, step: { ref: { id: 'b', name: 'b', scope: 'global' }, phase: 'guard', priority: 2, shadow: false, instance: inst('b', deny('ip.denied', 'x')) } },
      { enabled: true, step: { ref: { id: 'c', name: 'c', scope: 'global' }, phase: 'limit', priority: 1, shadow: false, instance: inst('c', allow()) } },
    ]);
    const c = ctx();
    const exec = startExecution(chain);
    void runRequestPhases(c, exec, () => undefined);
    runResponseHooks(c, exec, { status: 403, answeredBy: 'gateway', headers: {}, setHeader: () => undefined });
    expect(hooked).toEqual(['a', 'b']);
  });
});
