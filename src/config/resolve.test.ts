import { describe, expect, it } from 'vitest';
import { assemble } from '../app/registry.js';
import { ConfigError, formatFieldError } from './field-errors.js';
import { resolveConfig } from './resolve.js';
import { parseConfigText } from './yaml.js';

const { registry } = assemble();

function errorsOf(doc: unknown): string[] {
  try {
    resolveConfig(doc, registry);
  } catch (err) {
    if (err instanceof ConfigError) return err.errors.map(formatFieldError);
    throw err;
  }
  return [];
}

const svc = (id: string, target = 'http://127.0.0.1:9') => ({ id, upstream: { targets: [target] } });

describe('resolveConfig', () => {
  it('accepts an empty document and a complete one, assigning stable policy ids', () => {
    expect(resolveConfig({}, registry).routes).toEqual([]);
    const r = resolveConfig(
      {
        services: [svc('orders')],
        routes: [{ id: 'list', service: 'orders', paths: ['/orders'], policies: [{ name: 'request-size', config: { max: '1mb' } }] }],
        policies: [{ name: 'ip-restriction', config: { deny: ['10.0.0.0/8'] } }, { name: 'request-size', id: 'size-default', mode: 'shadow', config: { max: 10 } }],
      },
      registry,
    );
    expect(r.policies.map((p) => [p.id, p.scope, p.shadow])).toEqual([
      ['global:ip-restriction', 'global', false],
      ['size-default', 'global', true],
      ['route:list:request-size', 'route', false],
    ]);
    expect(r.policies[2]?.config).toEqual({ max: '1mb', require_length: false });
    expect(r.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('names the exact field of an invalid target URL (the issue example)', () => {
    const doc = { services: [svc('a'), svc('b'), { id: 'c', upstream: { targets: ['htp://x'] } }] };
    expect(errorsOf(doc)).toEqual(['services[2].upstream.targets[0]: "htp://x" is not an http(s) URL']);
  });

  it('reports every problem at once, each with its path', () => {
    const errs = errorsOf({
      services: [svc('a'), { id: 'a', upstream: { targets: [{ url: 'http://h:1/path', weight: 5 }] } }],
      routes: [
        { id: 'r1', service: 'orderz', paths: ['orders'] },
        { id: 'r2', service: 'a', paths: ['/x/:id/*'], rewrite: '/y/{nope}', methods: ['GET'] },
      ],
    });
    expect(errs).toEqual([
      'services[1].id: duplicate id "a"',
      'services[1].upstream.targets[0].url: "http://h:1/path" must not have a path, query or fragment (use the route\'s rewrite for paths)',
      'routes[0].service: no service with id "orderz"',
      'routes[0].paths[0]: "orders" must start with "/"',
      'routes[1].rewrite: uses {nope}, which path "/x/:id/*" does not define',
    ]);
  });

  it('explains schema errors in operator terms, with did-you-mean hints', () => {
    expect(errorsOf({ servics: [] })).toEqual(['servics: unknown field "servics" (did you mean "services"?)']);
    expect(errorsOf({ routes: [{ id: 'r', service: 's', pathz: ['/'] }] })).toEqual(
      expect.arrayContaining(['routes[0].pathz: unknown field "pathz" (did you mean "paths"?)', 'routes[0].paths: is required']),
    );
    expect(errorsOf({ services: [{ id: 'bad id!', upstream: { targets: ['http://h'] } }] })).toEqual([
      'services[0].id: "bad id!" must be 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit',
    ]);
    expect(errorsOf({ services: [{ id: 's', upstream: { targets: ['http://h'], timeouts: { connect: '5 sec' } } }] })).toEqual([
      'services[0].upstream.timeouts.connect: "5 sec" must be a duration: milliseconds, or a string such as "500ms", "5s", "2m", "1h"',
    ]);
    expect(errorsOf({ routes: [{ id: 'r', service: 's', paths: ['/'], methods: ['FETCH'] }], services: [svc('s')] })).toEqual([
      'routes[0].methods[0]: "FETCH" must be one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, TRACE, CONNECT',
    ]);
  });

  it('validates policy names and configs against each policy\'s schema and compile checks', () => {
    const errs = errorsOf({
      services: [svc('s')],
      routes: [{ id: 'r', service: 's', paths: ['/'], policies: [{ name: 'ip-restrictoin', config: {} }, { name: 'request-size', config: { max: 'lots' } }] }],
      policies: [{ name: 'ip-restriction', config: { allow: ['10.0.0.0/8'], denyy: [] } }],
    });
    expect(errs).toEqual([
      'policies[0].config.denyy: unknown field "denyy" (did you mean "deny"?)',
      'routes[0].policies[0].name: unknown policy "ip-restrictoin" (did you mean "ip-restriction"?)',
      'routes[0].policies[1].config.max: "lots" must be a byte count or a size such as "512kb" or "10mb"',
    ]);
  });

  it('refuses the same policy twice at one scope and duplicate policy ids', () => {
    const errs = errorsOf({
      services: [svc('s')],
      routes: [{ id: 'r', service: 's', paths: ['/'], policies: [{ name: 'request-size', config: { max: 1 } }, { name: 'request-size', config: { max: 2 } }] }],
      policies: [{ name: 'ip-restriction', id: 'p1', config: { deny: ['1.1.1.1'] } }, { name: 'request-size', id: 'p1', config: { max: 1 } }],
    });
    expect(errs).toEqual([
      'policies[1].id: duplicate policy id "p1" (also at policies[0])',
      'routes[0].policies[1].name: request-size is attached twice at this route; configure one instance (a policy may hold several rules)',
    ]);
  });

  it('checks gateway settings and credential types', () => {
    expect(errorsOf({ gateway: { trusted_proxies: ['10.0.0.0/8', '300.1.1.1'] } })).toEqual(['gateway.trusted_proxies[1]: "300.1.1.1" is not an IP address or CIDR']);
    expect(errorsOf({ consumers: [{ id: 'c', credentials: [{ id: 'k', type: 'magic' }] }] })[0]).toMatch(/^consumers\[0\]\.credentials\[0\]\.type: unknown credential type "magic"/);
  });

  it('parses YAML and reports syntax errors with line and column', () => {
    expect(parseConfigText('services: []\nroutes: []\n')).toEqual({ services: [], routes: [] });
    expect(() => parseConfigText('services:\n  - id: a\n   upstream: x\n', 'sluice.yaml')).toThrow(/sluice\.yaml:3:\d+/);
    expect(() => parseConfigText('a: 1\na: 2\n', 'f.yaml')).toThrow(/f\.yaml:2:1: Map keys must be unique/);
  });
});
