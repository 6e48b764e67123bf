import { describe, expect, it } from 'vitest';
import { buildChain, type PolicyAttachment } from './chain.js';
import type { RequestPhase } from './phases.js';
import { isPolicyResponse, runRequestPhases, runResponseHooks, startExecution } from './pipeline.js';
import { allow, respond, type PolicyInstance, type ResponseInfo } from './policy.js';
import type { RequestContext } from './context.js';
import { DecisionTrace } from './trace.js';

function ctx(): RequestContext {
  return { trace: new DecisionTrace(), consumer: undefined, locals: new Map() } as unknown as RequestContext;
}

function att(name: string, phase: RequestPhase, instance: PolicyInstance, shadow = false): PolicyAttachment {
  return { enabled: true, step: { ref: { id: `global:${name}`, name, scope: 'global' }, phase, priority: 100, shadow, instance } };
}

describe('respond decisions', () => {
  it('stop the request with the policy\'s own answer; later policies do not run; the trace says respond', () => {
    const seen: string[] = [];
    const chain = buildChain([
      att('cors', 'guard', { evaluate: () => (seen.push('cors'), respond('cors.preflight', 'preflight answered', { headers: { 'access-control-allow-origin': 'https://a.example' } })) }),
      att('key-auth', 'authenticate', { evaluate: () => (seen.push('key-auth'), allow()) }),
    ]);
    const c = ctx();
    const halt = runRequestPhases(c, startExecution(chain), () => undefined);
    expect(seen).toEqual(['cors']);
    expect(halt && !(halt instanceof Promise) && isPolicyResponse(halt)).toBe(true);
    expect(halt).toMatchObject({ decision: { outcome: 'respond', code: 'cors.preflight', headers: { 'access-control-allow-origin': 'https://a.example' } }, policy: { id: 'global:cors' } });
    expect(c.trace.entries).toEqual([expect.objectContaining({ outcome: 'respond', code: 'cors.preflight', enforced: true, phase: 'guard' })]);
  });

  it('in shadow mode are recorded, not enforced, and the request continues', () => {
    const chain = buildChain([att('cors', 'guard', { evaluate: () => respond('cors.preflight', 'x') }, true), att('next', 'authorize', { evaluate: () => allow() })]);
    const c = ctx();
    expect(runRequestPhases(c, startExecution(chain), () => undefined)).toBeUndefined();
    expect(c.trace.entries.map((e) => [e.outcome, e.enforced])).toEqual([['respond', false], ['allow', undefined]]);
  });

  it('the responding policy\'s response hook still runs (it was evaluated)', () => {
    const headers: Record<string, string> = {};
    const chain = buildChain([
      att('cors', 'guard', {
        evaluate: () => respond('cors.preflight', 'x'),
        onResponse: (_c, res) => res.setHeader('vary', 'Origin'),
      }),
    ]);
    const c = ctx();
    const exec = startExecution(chain);
    expect(runRequestPhases(c, exec, () => undefined)).toMatchObject({ decision: { outcome: 'respond' } });
    const res: ResponseInfo = { status: 204, answeredBy: 'gateway', headers, setHeader: (n: string, v: string) => (headers[n] = v) };
    runResponseHooks(c, exec, res);
    expect(headers).toEqual({ vary: 'Origin' });
  });

  it('asynchronous responders work too', async () => {
    const chain = buildChain([att('cors', 'guard', { evaluate: () => Promise.resolve(respond('cors.preflight', 'x')) })]);
    await expect(runRequestPhases(ctx(), startExecution(chain), () => undefined)).resolves.toMatchObject({ decision: { outcome: 'respond' } });
  });
});
