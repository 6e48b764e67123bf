import { describe, expect, it } from 'vitest';
import type { RouteConfig } from '../config/schema.js';
import { Router, type RouteMatch } from './router.js';

const route = (id: string, r: Partial<RouteConfig>): { config: RouteConfig; payload: string } => ({
  config: { id, service: 's', paths: ['/'], ...r },
  payload: id,
});

function hit(m: RouteMatch<string>): string {
  if (m.kind === 'match') return m.entry.payload;
  return m.kind === 'method_not_allowed' ? `405 ${m.allow.join(',')}` : '404';
}

describe('Router', () => {
  const r = new Router([
    route('prefix', { paths: ['/api'] }),
    route('exact', { paths: ['/health'], match: 'exact' }),
    route('param', { paths: ['/orders/:id'], methods: ['GET', 'DELETE'] }),
    route('orders-post', { paths: ['/orders'], methods: ['POST'], match: 'exact' }),
    route('host', { paths: ['/api'], hosts: ['api.example.com'] }),
    route('wild-host', { paths: ['/api'], hosts: ['*.tenant.io'] }),
    route('header', { paths: ['/api/v2'], headers: { 'x-version': ['2', '3'] } }),
    route('files', { paths: ['/files/*'] }),
  ]);
  const find = (method: string, path: string, host?: string, headers: Record<string, string> = {}) => hit(r.find(method, path, host, headers));

  it('matches prefix routes at and below their path, exact routes only at it', () => {
    expect(find('GET', '/api')).toBe('prefix');
    expect(find('GET', '/api/users/7')).toBe('prefix');
    expect(find('GET', '/apix')).toBe('404');
    expect(find('GET', '/health')).toBe('exact');
    expect(find('GET', '/health/deep')).toBe('404');
    expect(find('GET', '/files/a/b.txt')).toBe('files');
  });

  it('extracts params and the wildcard rest', () => {
    const m = r.find('GET', '/orders/42/items', undefined, {});
    expect(m).toMatchObject({ kind: 'match', params: { id: '42' }, rest: 'items' });
  });

  it('prefers host- and header-specific routes, falling back to the catch-all', () => {
    expect(find('GET', '/api/x', 'api.example.com')).toBe('host');
    expect(find('GET', '/api/x', 'API.EXAMPLE.COM:8443')).toBe('host');
    expect(find('GET', '/api/x', 'a.tenant.io')).toBe('wild-host');
    expect(find('GET', '/api/x', 'a.b.tenant.io')).toBe('prefix');
    expect(find('GET', '/api/v2/things', undefined, { 'x-version': '3' })).toBe('header');
    // The header route is the most specific pattern, but its predicate fails: the /api prefix still serves.
    expect(find('GET', '/api/v2/things', undefined, { 'x-version': '1' })).toBe('prefix');
  });

  it('answers 405 with the allowed methods when only the method differs', () => {
    expect(find('PUT', '/orders/1')).toBe('405 DELETE,GET');
    expect(find('GET', '/orders')).toBe('405 POST');
    expect(find('POST', '/orders')).toBe('orders-post');
    // The route whose path matched comes with the 405, so its error dialect can answer it.
    expect(r.find('PUT', '/orders/1', undefined, {})).toMatchObject({ kind: 'method_not_allowed', entry: { payload: 'param' } });
  });

  it('lets routes name the same path position differently', () => {
    const rr = new Router([route('get', { paths: ['/x/:id'], methods: ['GET'] }), route('del', { paths: ['/x/:other'], methods: ['DELETE'], match: 'exact' })]);
    expect(rr.find('GET', '/x/1/sub', undefined, {})).toMatchObject({ kind: 'match', params: { id: '1' }, rest: 'sub' });
    expect(rr.find('DELETE', '/x/2', undefined, {})).toMatchObject({ kind: 'match', params: { other: '2' } });
  });
});
