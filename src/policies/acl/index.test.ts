import { describe, expect, it } from 'vitest';
import type { ConsumerIdentity, RequestContext } from '../../core/context.js';
import { ConfigFieldError, type CompileContext, type Decision } from '../../core/policy.js';
import { acl } from './index.js';
import type { AclConfig } from './schema.js';

const compileCtx = { fail: (path: string, reason: string): never => { throw new ConfigFieldError(path, reason); } } as unknown as CompileContext;

/** The few RequestContext members acl reads and writes. */
function run(config: AclConfig, consumer: ConsumerIdentity | undefined) {
  const upstream = new Map<string, string | null>();
  const req = {
    consumer,
    upstream: { setHeader: (n: string, v: string) => upstream.set(n, v), removeHeader: (n: string) => upstream.set(n, null) },
  } as unknown as RequestContext;
  const decision = acl.compile(config, compileCtx).evaluate(req) as Decision;
  return { decision, upstream };
}

const consumer = (id: string, ...groups: string[]): ConsumerIdentity => ({ id, groups });

describe('acl decision logic', () => {
  it('allows a consumer in an allowed group and tells the upstream its groups', () => {
    const { decision, upstream } = run({ allow: ['partners', 'staff'] }, consumer('acme', 'gold', 'partners'));
    expect(decision).toEqual({ outcome: 'allow', data: { consumer: 'acme', groups: ['gold', 'partners'], matched: 'partners', list: 'allow' } });
    expect(upstream.get('x-consumer-groups')).toBe('gold, partners');
  });

  it('refuses a consumer in no allowed group (acl.not_allowed), listing its groups in the trace', () => {
    const { decision, upstream } = run({ allow: ['partners'] }, consumer('bob', 'free'));
    expect(decision).toMatchObject({ outcome: 'deny', code: 'acl.not_allowed', detail: 'Consumer "bob" is not in a group allowed on this route.', data: { consumer: 'bob', groups: ['free'] } });
    expect(upstream.size).toBe(0);
  });

  it('deny wins over allow, by group or by consumer id', () => {
    expect(run({ allow: ['partners'], deny: ['suspended'] }, consumer('acme', 'partners', 'suspended')).decision).toMatchObject({
      code: 'acl.denied',
      data: { matched: 'suspended', list: 'deny' },
    });
    expect(run({ allow: ['partners'], deny_consumers: ['acme'] }, consumer('acme', 'partners')).decision).toMatchObject({
      code: 'acl.denied',
      data: { matched: 'acme', list: 'deny_consumers' },
    });
  });

  it('a deny list alone lets everyone else through', () => {
    expect(run({ deny: ['suspended'] }, consumer('carol')).decision).toMatchObject({ outcome: 'allow' });
  });

  it('allow_consumers admits named consumers whatever their groups', () => {
    expect(run({ allow: ['partners'], allow_consumers: ['ops-bot'] }, consumer('ops-bot')).decision).toMatchObject({
      outcome: 'allow',
      data: { matched: 'ops-bot', list: 'allow_consumers' },
    });
  });

  it('the anonymous consumer is judged by its own groups, and the trace says it was anonymous', () => {
    const anon: ConsumerIdentity = { id: 'guest', groups: ['public'], anonymous: true };
    expect(run({ allow: ['partners'] }, anon).decision).toMatchObject({ code: 'acl.not_allowed', data: { anonymous: true } });
    expect(run({ allow: ['public'] }, anon).decision).toMatchObject({ outcome: 'allow' });
  });

  it('without an identified consumer it refuses with acl.no_consumer (as Kong does, 403)', () => {
    expect(run({ allow: ['partners'] }, undefined).decision).toMatchObject({ outcome: 'deny', code: 'acl.no_consumer' });
  });

  it('never forwards a client-sent X-Consumer-Groups: hidden, or removed when the consumer has no group', () => {
    expect(run({ allow: ['partners'], hide_groups_header: true }, consumer('acme', 'partners')).upstream.get('x-consumer-groups')).toBeNull();
    expect(run({ deny: ['suspended'] }, consumer('carol')).upstream.get('x-consumer-groups')).toBeNull();
  });

  it('refuses a config without any list', () => {
    expect(() => run({ hide_groups_header: true }, undefined)).toThrow('set at least one of "allow", "deny", "allow_consumers" or "deny_consumers"');
  });
});
