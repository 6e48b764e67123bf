import { describe, expect, it } from 'vitest';
import { diffJson, formatChanges } from './diff.js';
import { gatewayPath, importOpenApi, safeParam } from './openapi-import.js';
import { planState, stateTag, type StateDocument } from './state.js';

const lines = (current: StateDocument, desired: StateDocument) => formatChanges(planState(current, desired));

describe('state plans', () => {
  const current: StateDocument = {
    services: [{ id: 'a', upstream: { targets: ['http://10.0.0.1'] } }],
    management: {
      users: [{ email: 'alice@example.com', role: 'admin' }, { email: 'bob@example.com' }],
      teams: [{ id: 'pay', name: 'Pay' }],
      consumers: [{ id: 'shop', team: 'pay', credentials: [{ id: 'k', type: 'key-auth', key_hash: 'sha256:aa', hint: '…aaaa' }] }],
    },
  };

  it('absent sections and an absent config part stay as they are', () => {
    expect(lines(current, { management: { teams: [{ id: 'pay', name: 'Pay' }] } })).toEqual([]);
  });

  it('users are added or changed, never removed (a file cannot lock its operators out)', () => {
    expect(lines(current, { management: { users: [{ email: 'Carol@Example.com' }] } })).toEqual(['+ management.users.carol@example.com: {"email":"carol@example.com"}']);
    expect(lines(current, { management: { users: [{ email: 'alice@example.com', role: 'viewer' }] } })).toEqual(['~ management.users.alice@example.com.role: "admin" → "viewer"']);
  });

  it('other sections are authoritative; credential fields the file leaves out keep their value', () => {
    expect(lines(current, { management: { teams: [] } })).toEqual(['- management.teams.pay']);
    expect(lines(current, { management: { consumers: [{ id: 'shop', team: 'pay', credentials: [{ id: 'k', type: 'key-auth' }] }] } })).toEqual([]);
    expect(lines(current, { management: { consumers: [{ id: 'shop', team: 'pay', credentials: [{ id: 'k', type: 'key-auth', scopes: ['x'] }] }] } })).toEqual(['+ management.consumers.shop.credentials[k].scopes: ["x"]']);
  });

  it('a plan never shows a secret the file carries', () => {
    const plan = lines(current, { management: { consumers: [{ id: 'shop', team: 'pay', credentials: [{ id: 'k', type: 'key-auth' }, { id: 'h', type: 'custom', client_secret: 's3cr3t', region: 'eu' }] }] } });
    expect(plan).toEqual(['+ management.consumers.shop.credentials[h]: {"id":"h","type":"custom","client_secret":"[redacted]","region":"eu"}']);
    const changed = lines({ management: { consumers: [{ id: 'c', team: 'pay', credentials: [{ id: 'h', type: 'custom', client_secret: 'old' }] }] } }, { management: { consumers: [{ id: 'c', team: 'pay', credentials: [{ id: 'h', type: 'custom', client_secret: 'new' }] }] } });
    expect(changed).toEqual(['~ management.consumers.c.credentials[h].client_secret: "[redacted]" → "[redacted]"']);
  });

  it('the config part, when present, is compared whole', () => {
    expect(lines(current, { services: [{ id: 'a', upstream: { targets: ['http://10.0.0.2'] } }] })).toEqual(['~ config.services[a].upstream.targets[0]: "http://10.0.0.1" → "http://10.0.0.2"']);
  });

  it('API definitions compare after defaults, so a file and its export agree', () => {
    const api = { id: 'o', team: 'pay', name: 'O', state: 'draft', definition: { base_path: '/o', routes: [] } };
    const withDefaults: StateDocument = { management: { apis: [{ ...api, visibility: 'public', approval: 'manual', subscription_required: true }] } };
    expect(lines(withDefaults, { management: { apis: [api] } })).toEqual([]);
  });

  it('the tag changes with the state and only with it', () => {
    expect(stateTag(current)).toBe(stateTag(structuredClone(current)));
    expect(stateTag(current)).not.toBe(stateTag({ ...current, services: [] }));
  });
});

describe('diffs', () => {
  it('arrays of objects with ids are matched by id; a whole new document lists its fields', () => {
    expect(formatChanges(diffJson({ routes: [{ id: 'a', paths: ['/a'] }] }, { routes: [{ id: 'b', paths: ['/b'] }, { id: 'a', paths: ['/a'] }] }))).toEqual(['+ routes[b]: {"id":"b","paths":["/b"]}']);
    expect(formatChanges(diffJson({}, { base_path: '/x' }))).toEqual(['+ base_path: "/x"']);
    expect(formatChanges(diffJson(undefined, 1))).toEqual(['+ (whole): 1']);
  });
});

describe('OpenAPI import details', () => {
  it('path templates become gateway parameters with safe names', () => {
    expect(gatewayPath('/orders/{order-id}/lines/{n}')).toBe('/orders/:order_id/lines/:n');
    expect(safeParam('a.b-c')).toBe('a_b_c');
  });

  it('refuses what it cannot read, naming the field', () => {
    expect(() => importOpenApi({ openapi: '3.2.0', paths: {} })).toThrow('document.openapi: must be "3.0.x" or "3.1.x" (got "3.2.0")');
    expect(() => importOpenApi({ openapi: '3.1.0', paths: { orders: {} } }, { upstream: { targets: ['http://x'] } })).toThrow('document.paths.orders: must start with "/"');
    expect(() => importOpenApi({ openapi: '3.1.0', paths: { '/a': { get: { parameters: [{ $ref: '#/components/parameters/Nope' }] } } } }, { upstream: { targets: ['http://x'] } })).toThrow('points nowhere');
  });

  it('server variables take their defaults; a relative server is only the base path', () => {
    const r = importOpenApi({ openapi: '3.1.0', servers: [{ url: 'https://{host}/api/{v}', variables: { host: { default: 'api.example.com' }, v: { default: 'v3' } } }], paths: {} });
    expect(r.definition).toMatchObject({ base_path: '/api/v3', upstream: { targets: ['https://api.example.com'] }, routes: [] });
    expect(importOpenApi({ openapi: '3.0.0', servers: [{ url: '/x/' }], paths: {} }, { upstream: { targets: ['http://u'] } }).definition.base_path).toBe('/x');
  });
});
