import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toYaml } from '../../src/config/yaml.js';
import { call, startGateway, type TestGateway } from '../../src/test-support/gateway.js';
import { expectGolden } from '../../src/test-support/golden.js';
import { startUpstream, type TestUpstream } from '../../src/test-support/upstream.js';
import { AdminClient } from './management-client.js';

type Doc = Record<string, unknown>;

const pets = (upstream: string): Doc => ({
  openapi: '3.1.0',
  info: { title: 'Pets', version: '2.1.0', description: 'Pets of the shop.' },
  servers: [{ url: `${upstream}/v2` }],
  paths: {
    '/pets': {
      get: { operationId: 'listPets', summary: 'List pets', tags: ['pets'], parameters: [{ name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100 } }], responses: { '200': { description: 'The pets.' } } },
      post: { operationId: 'createPet', requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/NewPet' } } } }, responses: { '201': { description: 'Created.' } } },
    },
    '/pets/{pet-id}': {
      parameters: [{ name: 'pet-id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } }],
      get: { operationId: 'getPet', responses: { '200': { description: 'A pet.' } } },
      delete: { operationId: 'deletePet', parameters: [{ $ref: '#/components/parameters/Confirm' }, { name: 'Accept', in: 'header', schema: { type: 'string' } }], responses: { '204': { description: 'Gone.' } } },
    },
  },
  components: {
    schemas: {
      NewPet: { type: 'object', required: ['name'], additionalProperties: false, properties: { name: { type: 'string', minLength: 1 }, tag: { type: ['string', 'null'] }, owner: { $ref: '#/components/schemas/Owner' } } },
      Owner: { type: 'object', properties: { email: { type: 'string', format: 'email' } } },
      Unused: { type: 'string' },
    },
    parameters: { Confirm: { name: 'X-Confirm', in: 'header', required: true, schema: { type: 'string', enum: ['yes'] } } },
  },
});

const legacy: Doc = {
  openapi: '3.0.3',
  info: { title: 'Legacy', version: '1' },
  paths: {
    '/items': {
      get: { parameters: [{ name: 'min', in: 'query', schema: { type: 'number', minimum: 0, exclusiveMinimum: true } }, { name: 'session', in: 'cookie', schema: { type: 'string' } }], responses: { '200': { description: 'ok' } } },
      post: { requestBody: { content: { 'application/json': { schema: { type: 'object', required: ['note'], properties: { note: { type: 'string', nullable: true } } } } } }, responses: { '200': { description: 'ok' } } },
    },
  },
};

describe('OpenAPI import and export', () => {
  let up: TestUpstream;
  let gw: TestGateway;
  let admin: AdminClient;

  beforeAll(async () => {
    up = await startUpstream();
    gw = await startGateway();
    admin = new AdminClient(gw.admin); // the local operator
    await admin.ok(admin.post('/teams', { id: 'zoo', name: 'Zoo' }), 201);
  });
  afterAll(async () => {
    await gw.close();
    await up.close();
  });

  const send = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    call(`${gw.url}${path}`, { method, headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });

  it('OpenAPI 3.1: one exact route per path, request validation from parameters and bodies, servers[0] as upstream and base path', async () => {
    const r = await admin.ok<{ api: { state: string; base_path: string; name: string; version: string; definition: { upstream: unknown; routes: { id: string; paths: string[]; methods: string[]; match: string; policies?: { name: string; config: Doc }[] }[] } }; warnings: string[] }>(
      admin.post('/apis/import', { id: 'pets', team: 'zoo', subscription_required: false, document: pets(up.url) }),
      201,
    );
    expect(r.warnings).toEqual([]);
    expect(r.api).toMatchObject({ state: 'draft', base_path: '/v2', name: 'Pets', version: '2.1.0', definition: { upstream: { targets: [up.url] } } });
    expect(r.api.definition.routes.map((x) => [x.id, x.paths, x.methods, x.match])).toEqual([
      ['pets', ['/pets'], ['GET', 'POST'], 'exact'],
      ['pets-pet-id', ['/pets/:pet_id'], ['GET', 'DELETE'], 'exact'],
    ]);
    const v = r.api.definition.routes[1]!.policies![0]!;
    expect(v.name).toBe('request-validation');
    expect(v.config).toMatchObject({ parameters: [{ name: 'pet_id', in: 'path', schema: { type: 'integer', minimum: 1 } }], methods: { DELETE: { parameters: [{ name: 'X-Confirm', in: 'header', required: true }] } }, json_schema: '2020-12' });
    // Only the schemas a route references travel with it; the Accept header parameter is dropped (OpenAPI ignores it).
    expect(Object.keys((r.api.definition.routes[0]!.policies![0]!.config['components'] as { schemas: Doc }).schemas)).toEqual(['NewPet', 'Owner']);
    expect(JSON.stringify(v.config)).not.toContain('Accept');

    await admin.ok(admin.post('/apis/pets/publish'));
    expect((await send('GET', '/v2/pets?limit=5')).status).toBe(200);
    expect(up.seen.at(-1)?.url).toBe('/v2/pets?limit=5');
    expect((await send('GET', '/v2/pets?limit=0')).json()).toMatchObject({ status: 400, code: 'request.invalid_query' });
    const bad = await send('POST', '/v2/pets', { tag: 'x', color: 'red' });
    expectGolden('management/openapi-import-400-invalid-body', bad);
    expect((await send('POST', '/v2/pets', { name: 'rex', tag: null, owner: { email: 'a@example.com' } })).status).toBe(200);
    expect((await send('POST', '/v2/pets', { name: 'rex', owner: { email: 'not an email' } })).status).toBe(400);
    expect((await send('GET', '/v2/pets/abc')).json()).toMatchObject({ code: 'request.invalid_path_params' });
    expect((await send('DELETE', '/v2/pets/1')).json()).toMatchObject({ code: 'request.invalid_headers' });
    expect((await send('DELETE', '/v2/pets/1', undefined, { 'x-confirm': 'yes' })).status).toBe(200);
    expect((await send('PUT', '/v2/pets/1')).status).toBe(405);
  });

  it('export: an OpenAPI 3.1 document of the live release, with the docs of the imported one; re-importing it gives the same routes', async () => {
    const doc = await admin.ok<Doc & { paths: Record<string, Record<string, Doc>>; components: { schemas: Doc }; servers: unknown; info: Doc }>(admin.get('/apis/pets/openapi'));
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: 'Pets', version: '2.1.0', description: 'Pets of the shop.', 'x-sluice-api': 'pets', 'x-sluice-release': 1 });
    expect(doc.servers).toEqual([{ url: '/v2', description: 'This API on the Sluice gateway.' }]);
    expect(Object.keys(doc.paths)).toEqual(['/pets', '/pets/{pet_id}']);
    expect(doc.paths['/pets']!['get']).toMatchObject({ operationId: 'listPets', summary: 'List pets', tags: ['pets'], parameters: [{ name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100 } }], responses: { '200': { description: 'The pets.' } } });
    expect(doc.paths['/pets']!['post']).toMatchObject({ operationId: 'createPet', requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/NewPet' } } } } });
    expect(doc.paths['/pets/{pet_id}']!['parameters']).toEqual([{ name: 'pet_id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } }]);
    expect(Object.keys(doc.paths['/pets/{pet_id}']!).sort()).toEqual(['delete', 'get', 'parameters']);
    expect(doc.components.schemas['NewPet']).toEqual(pets(up.url)['components'] && (pets(up.url)['components'] as { schemas: Doc }).schemas['NewPet']);
    const yaml = await admin.get('/apis/pets/openapi?format=yaml');
    expect(yaml.headers['content-type']).toContain('application/yaml');

    const again = await admin.ok<{ api: { definition: { routes: unknown[] } } }>(
      admin.post('/apis/import', { id: 'pets-copy', team: 'zoo', subscription_required: false, document: doc, upstream: { targets: [up.url] }, base_path: '/v2-copy' }),
      201,
    );
    const original = await admin.ok<{ definition: { routes: unknown[] } }>(admin.get('/apis/pets'));
    expect(again.api.definition.routes).toEqual(original.definition.routes);
    // A draft has no release to export unless asked for its draft document.
    expect((await admin.get('/apis/pets-copy/openapi')).json()).toMatchObject({ status: 409, code: 'admin.invalid_state' });
    expect((await admin.ok<{ openapi: string }>(admin.get('/apis/pets-copy/openapi?draft=true'))).openapi).toBe('3.1.0');
  });

  it('OpenAPI 3.0 (as YAML): nullable and boolean exclusive bounds are understood; what cannot be checked is a warning', async () => {
    // Without servers[0] as an absolute URL, the upstream must be given.
    const noUpstream = await admin.req('POST', '/apis/import?team=zoo&id=legacy&subscription_required=false', toYaml(legacy), { 'content-type': 'application/yaml' });
    expect(noUpstream.json()).toMatchObject({ status: 400, errors: [{ path: 'upstream' }] });
    const r = await admin.ok<{ api: { base_path: string; definition: { routes: { policies: { config: Doc }[] }[] } }; warnings: string[] }>(
      admin.post('/apis/import', { id: 'legacy', team: 'zoo', subscription_required: false, base_path: '/legacy', upstream: { targets: [up.url] }, document: toYaml(legacy) }),
      201,
    );
    expect(r.warnings).toEqual(['document.paths./items.get.parameters[1]: cookie parameter session is not checked by the gateway']);
    expect(r.api.base_path).toBe('/legacy');
    expect(r.api.definition.routes[0]!.policies[0]!.config).toMatchObject({ json_schema: 'draft-07', methods: { GET: { parameters: [{ name: 'min', schema: { type: 'number', exclusiveMinimum: 0 } }] } } });
    await admin.ok(admin.post('/apis/legacy/publish'));
    expect((await send('GET', '/legacy/items?min=0')).json()).toMatchObject({ code: 'request.invalid_query' });
    expect((await send('GET', '/legacy/items?min=0.5')).status).toBe(200);
    expect((await send('POST', '/legacy/items', { note: null })).status).toBe(200);
    expect((await send('POST', '/legacy/items', { note: 5 })).json()).toMatchObject({ code: 'request.invalid_body' });
    const out = await admin.ok<{ paths: Record<string, Record<string, { parameters?: Doc[]; requestBody?: { content: Record<string, { schema: Doc }> } }>> }>(admin.get('/apis/legacy/openapi'));
    expect(out.paths['/items']!['post']!.requestBody!.content['application/json']!.schema).toEqual({ type: 'object', required: ['note'], properties: { note: { type: ['string', 'null'] } } });
    expect(out.paths['/items']!['get']!.parameters).toEqual([{ name: 'min', in: 'query', schema: { type: 'number', exclusiveMinimum: 0 } }]);
  });

  it('a document that is not OpenAPI 3 is refused, naming the field', async () => {
    expectGolden('management/admin-400-openapi-swagger2', await admin.post('/apis/import', { id: 'old', team: 'zoo', document: { swagger: '2.0', paths: {} } }));
    const remote = await admin.post('/apis/import', { id: 'old', team: 'zoo', document: { openapi: '3.1.0', paths: { '/a': { get: { requestBody: { $ref: 'https://example.com/x.yaml' } } } } } });
    expect(remote.json()).toMatchObject({ status: 400, errors: [{ path: 'document.paths./a.get.requestBody' }] });
    expect((await admin.get('/apis/old')).status).toBe(404);
  });
});
