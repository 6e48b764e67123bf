import { describe, expect, it } from 'vitest';
import type { ConsumerIdentity, CredentialIdentity, RequestContext } from '../../core/context.js';
import type { CompileContext, Decision } from '../../core/policy.js';
import { scopes } from './index.js';
import type { ScopesConfig } from './schema.js';

function decide(config: ScopesConfig, method: string, credential?: CredentialIdentity, consumer?: ConsumerIdentity): Decision {
  return scopes.compile(config, {} as CompileContext).evaluate({ method, credential, consumer } as RequestContext) as Decision;
}

const cred = (...granted: string[]): CredentialIdentity => ({ id: 'cred-1', type: 'jwt', scopes: granted });
const products: ScopesConfig = {
  rules: [
    { methods: ['GET'], scopes: ['read:products', 'write:products'], match: 'any' },
    { methods: ['POST', 'PUT', 'PATCH', 'DELETE'], scopes: ['write:products'] },
  ],
};

describe('scopes decision logic', () => {
  it('a missing scope is 403 insufficient_scope naming it, in the detail and the RFC 6750 challenge', () => {
    const d = decide(products, 'POST', cred('read:products'));
    expect(d).toEqual({
      outcome: 'deny',
      code: 'scope.insufficient',
      detail: 'Insufficient scope for write:products',
      headers: { 'www-authenticate': 'Bearer error="insufficient_scope", scope="write:products"' },
      data: { method: 'POST', rule: 1, match: 'all', required: ['write:products'], credential: 'cred-1', granted: ['read:products'], missing: ['write:products'] },
    });
  });

  it('allows when the credential holds the scopes', () => {
    expect(decide(products, 'DELETE', cred('write:products', 'other'))).toMatchObject({ outcome: 'allow', data: { rule: 1 } });
  });

  it('match: any is satisfied by one of the scopes, and refused naming the alternatives', () => {
    expect(decide(products, 'GET', cred('write:products'))).toMatchObject({ outcome: 'allow', data: { matched: 'write:products' } });
    expect(decide(products, 'GET', cred('profile'))).toMatchObject({
      code: 'scope.insufficient',
      detail: 'Insufficient scope: one of read:products, write:products is required.',
      headers: { 'www-authenticate': 'Bearer error="insufficient_scope", scope="read:products write:products"' },
    });
  });

  it('match: all names every missing scope; realm is part of the challenge', () => {
    const d = decide({ realm: 'orders "eu"', rules: [{ scopes: ['orders', 'write:orders', 'admin'] }] }, 'PATCH', cred('orders'));
    expect(d).toMatchObject({
      detail: 'Insufficient scope for write:orders, admin',
      headers: { 'www-authenticate': 'Bearer realm="orders \\"eu\\"", error="insufficient_scope", scope="orders write:orders admin"' },
      data: { missing: ['write:orders', 'admin'] },
    });
  });

  it('the first rule covering the method decides; a rule without methods covers every method', () => {
    const cfg: ScopesConfig = { rules: [{ methods: ['DELETE'], scopes: ['admin'] }, { scopes: ['api'] }] };
    expect(decide(cfg, 'DELETE', cred('api'))).toMatchObject({ code: 'scope.insufficient', data: { rule: 0 } });
    expect(decide(cfg, 'GET', cred('api'))).toMatchObject({ outcome: 'allow', data: { rule: 1 } });
  });

  it('a rule listing GET covers HEAD too, unless a rule lists HEAD itself', () => {
    expect(decide(products, 'HEAD', cred())).toMatchObject({ code: 'scope.insufficient', data: { rule: 0 } });
    const explicit: ScopesConfig = { rules: [{ methods: ['GET'], scopes: ['read'] }, { methods: ['HEAD'], scopes: ['peek'] }] };
    expect(decide(explicit, 'HEAD', cred('peek'))).toMatchObject({ outcome: 'allow', data: { rule: 1 } });
  });

  it('a method no rule covers is skipped, and the trace says why', () => {
    expect(decide(products, 'OPTIONS', cred())).toEqual({ outcome: 'skip', detail: 'no scope rule covers OPTIONS', data: { method: 'OPTIONS' } });
  });

  it('no credential (e.g. the anonymous consumer) is 401 with a Bearer challenge', () => {
    const d = decide({ realm: 'api', rules: [{ scopes: ['write:products'] }] }, 'POST', undefined, { id: 'guest', groups: [], anonymous: true });
    expect(d).toEqual({
      outcome: 'deny',
      code: 'scope.no_credential',
      detail: 'POST here requires the scope write:products; the request carries no credential.',
      headers: { 'www-authenticate': 'Bearer realm="api"' },
      data: { method: 'POST', rule: 0, required: ['write:products'], consumer: 'guest' },
    });
  });

  it('scope matching is exact and case-sensitive (RFC 6749 §3.3)', () => {
    expect(decide(products, 'POST', cred('WRITE:products', 'write:*'))).toMatchObject({ code: 'scope.insufficient' });
  });

  it('bounds the granted scopes kept in the trace, and checks large grants with a set', () => {
    const many = Array.from({ length: 300 }, (_, i) => `s${i}`);
    const d = decide({ rules: [{ scopes: ['s299'] }] }, 'GET', cred(...many));
    expect(d.outcome).toBe('allow');
    expect((d.data?.['granted'] as string[]).at(-1)).toBe('… 250 more');
  });
});
