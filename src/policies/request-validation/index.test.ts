import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BodyTooLargeError, type RequestContext } from '../../core/context.js';
import { ConfigFieldError, type CompileContext, type Decision } from '../../core/policy.js';
import { call, startGateway, type TestGateway } from '../../test-support/gateway.js';
import { expectGolden } from '../../test-support/golden.js';
import { startUpstream, type TestUpstream } from '../../test-support/upstream.js';
import { requestValidation } from './index.js';
import type { RequestValidationConfig } from './schema.js';

const compileCtx = { fail: (path: string, reason: string): never => { throw new ConfigFieldError(path, reason); } } as unknown as CompileContext;

interface Req { method?: string; query?: string; headers?: Record<string, string>; params?: Record<string, string>; body?: string }

/** The RequestContext members request-validation reads; readBody counts how often the body is read. */
function request(r: Req): RequestContext & { reads: number } {
  const headers: Record<string, string> = { ...r.headers };
  if (r.body !== undefined) headers['content-length'] = String(Buffer.byteLength(r.body));
  const ctx = {
    reads: 0,
    method: r.method ?? 'GET',
    query: new URLSearchParams(r.query ?? ''),
    headers,
    header: (n: string) => headers[n.toLowerCase()],
    route: { id: 'r', serviceId: 's', params: r.params ?? {}, tags: [] },
    hasBody: r.body !== undefined && r.body.length > 0,
    readBody(limit: number) {
      ctx.reads++;
      const b = Buffer.from(r.body ?? '');
      return b.length > limit ? Promise.reject(new BodyTooLargeError(limit, b.length)) : Promise.resolve(b);
    },
  };
  return ctx as unknown as RequestContext & { reads: number };
}

const compile = (config: RequestValidationConfig) => requestValidation.compile(config, compileCtx);
const decide = (config: RequestValidationConfig, r: Req) => compile(config).evaluate(request(r));
const errorsOf = (d: Decision | Promise<Decision>) => (d as { errors?: unknown[] }).errors;

const order = {
  type: 'object',
  required: ['sku', 'quantity'],
  additionalProperties: false,
  properties: {
    sku: { type: 'string', pattern: '^[A-Z]{3}-\\d+$' },
    quantity: { type: 'integer', minimum: 1 },
    email: { type: 'string', format: 'email' },
    lines: { type: 'array', items: { type: 'object', properties: { price: { type: 'number', minimum: 0 } } } },
    status: { enum: ['new', 'paid'] },
  },
};
const json = (content: unknown) => ({ 'content-type': 'application/json', ...(content as object) });

describe('request-validation: parameters', () => {
  const cfg: RequestValidationConfig = {
    parameters: [
      { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100 } },
      { name: 'tag', in: 'query', schema: { type: 'array', items: { type: 'string', maxLength: 5 } } },
      { name: 'ids', in: 'query', explode: false, schema: { type: 'array', items: { type: 'integer' } } },
      { name: 'X-Tenant', in: 'header', required: true, schema: { type: 'string', pattern: '^[a-z]+$' } },
      { name: 'id', in: 'path', schema: { type: 'string', format: 'uuid' } },
    ],
  };
  const ok = { headers: { 'x-tenant': 'acme' }, params: { id: '5f0c1c9e-8a53-4f4a-9a3c-0d2b8f6e7a10' } };

  it('accepts valid parameters, coercing strings to the schema type', () => {
    expect(decide(cfg, { ...ok, query: 'limit=5&tag=a&tag=b&ids=1,2,3' })).toMatchObject({ outcome: 'allow', data: { operation: '*', parameters: 5 } });
  });

  it('refuses each failing query parameter with its pointer (repeated keys and comma lists as arrays)', () => {
    const d = decide(cfg, { ...ok, query: 'limit=500&tag=ok&tag=toolong&ids=1,x' });
    expect(d).toMatchObject({
      outcome: 'deny',
      code: 'request.invalid_query',
      detail: 'Invalid query parameters: query limit must be <= 100; query tag/1 must NOT have more than 5 characters; query ids/1 must be integer.',
    });
    expect(errorsOf(d)).toEqual([
      { in: 'query', pointer: '/limit', message: 'must be <= 100' },
      { in: 'query', pointer: '/tag/1', message: 'must NOT have more than 5 characters' },
      { in: 'query', pointer: '/ids/1', message: 'must be integer' },
    ]);
  });

  it('header names are case-insensitive; a missing required header is named', () => {
    expect(decide(cfg, { params: ok.params })).toMatchObject({ code: 'request.invalid_headers', errors: [{ in: 'header', pointer: '/x-tenant', message: 'is required' }] });
    expect(decide(cfg, { ...ok, headers: { 'x-tenant': 'ACME' } })).toMatchObject({ errors: [{ in: 'header', pointer: '/x-tenant', message: 'must match pattern "^[a-z]+$"' }] });
  });

  it('path parameters are always required and checked; path errors decide the code, all errors are listed', () => {
    const d = decide(cfg, { params: { id: 'nope' }, query: 'limit=0' });
    expect(d).toMatchObject({ code: 'request.invalid_path_params' });
    expect(errorsOf(d)).toEqual([
      { in: 'path', pointer: '/id', message: 'must match format "uuid"' },
      { in: 'query', pointer: '/limit', message: 'must be >= 1' },
      { in: 'header', pointer: '/x-tenant', message: 'is required' },
    ]);
  });

  it('per-method operations merge their parameters over the top-level ones; other methods are skipped', () => {
    const perMethod: RequestValidationConfig = {
      parameters: [{ name: 'limit', in: 'query', schema: { type: 'integer' } }],
      methods: { DELETE: { parameters: [{ name: 'limit', in: 'query', schema: { type: 'integer', maximum: 1 } }, { name: 'confirm', in: 'query', required: true, schema: { const: 'yes' } }] } },
    };
    expect(decide(perMethod, { method: 'DELETE', query: 'limit=2&confirm=no' })).toMatchObject({
      errors: [{ pointer: '/limit', message: 'must be <= 1' }, { pointer: '/confirm', message: 'must be "yes"' }],
    });
    expect(decide(perMethod, { method: 'GET', query: 'limit=2' })).toMatchObject({ outcome: 'allow', data: { operation: '*' } });
    expect(decide({ methods: { POST: { parameters: [] } } }, { method: 'GET' })).toMatchObject({ outcome: 'skip', detail: 'no validation configured for GET' });
  });
});

describe('request-validation: body', () => {
  const cfg: RequestValidationConfig = { request_body: { required: true, content: { 'application/json': { schema: order } } } };

  it('accepts a valid JSON body, read once and bounded', async () => {
    const req = request({ method: 'POST', headers: json({}), body: '{"sku":"ABC-1","quantity":2}' });
    await expect(compile(cfg).evaluate(req)).resolves.toMatchObject({ outcome: 'allow', data: { bytes: 28, matched: 'application/json' } });
    expect(req.reads).toBe(1);
  });

  it('lists every failing field with its JSON pointer, including missing and unexpected properties', async () => {
    const body = JSON.stringify({ sku: 'abc', lines: [{ price: 1 }, { price: -1 }], email: 'x', status: 'lost', extra: true });
    const d = await decide(cfg, { method: 'POST', headers: json({}), body });
    expect(d).toMatchObject({ outcome: 'deny', code: 'request.invalid_body', data: { error_count: 6 } });
    expect(errorsOf(d)).toEqual([
      { in: 'body', pointer: '/quantity', message: 'is required' },
      { in: 'body', pointer: '/extra', message: 'is not allowed' },
      { in: 'body', pointer: '/sku', message: 'must match pattern "^[A-Z]{3}-\\d+$"' },
      { in: 'body', pointer: '/email', message: 'must match format "email"' },
      { in: 'body', pointer: '/lines/1/price', message: 'must be >= 0' },
      { in: 'body', pointer: '/status', message: 'must be one of "new", "paid"' },
    ]);
    expect((d as { detail: string }).detail).toBe('Invalid request body: /quantity is required; /extra is not allowed; /sku must match pattern "^[A-Z]{3}-\\d+$" (+3 more).');
  });

  it('caps the errors listed (max_errors) but counts them all', async () => {
    const d = await decide({ ...cfg, max_errors: 2 }, { method: 'POST', headers: json({}), body: '{"sku":1,"quantity":"x","a":1,"b":2}' });
    expect(errorsOf(d)).toHaveLength(2);
    expect(d.data).toMatchObject({ error_count: 4 });
  });

  it('no body when one is required → request.body_missing; optional body may be absent', () => {
    expect(decide(cfg, { method: 'POST' })).toMatchObject({ code: 'request.body_missing', errors: [{ in: 'body', pointer: '', message: 'is required' }] });
    expect(decide({ request_body: { content: { 'application/json': { schema: order } } } }, { method: 'POST' })).toMatchObject({ outcome: 'allow', data: { body: 'none' } });
  });

  it('unparsable JSON → request.invalid_json', async () => {
    await expect(decide(cfg, { method: 'POST', headers: json({}), body: '{"sku":' })).resolves.toMatchObject({ code: 'request.invalid_json', errors: [{ in: 'body', pointer: '', message: 'is not valid JSON' }] });
  });

  it('a media type not in content → 415, without reading the body; +json and wildcards match', async () => {
    const req = request({ method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hi' });
    expect(compile(cfg).evaluate(req)).toMatchObject({ code: 'request.unsupported_media_type', detail: 'Content-Type "text/plain" is not accepted here; use application/json.' });
    expect(req.reads).toBe(0);
    const wide: RequestValidationConfig = { request_body: { content: { 'application/*': { schema: order }, 'text/plain': {} } } };
    await expect(decide(wide, { method: 'PATCH', headers: { 'content-type': 'application/merge-patch+json; charset=utf-8' }, body: '{}' })).resolves.toMatchObject({ code: 'request.invalid_body', data: { matched: 'application/*' } });
    expect(decide(wide, { method: 'PATCH', headers: { 'content-type': 'text/plain' }, body: 'x' })).toMatchObject({ outcome: 'allow', data: { schema: 'none' } });
    expect(decide(wide, { method: 'PATCH', headers: { 'content-type': 'application/xml' }, body: '<a/>' })).toMatchObject({ outcome: 'allow', data: { schema: 'not checked' } });
  });

  it('a body over max_body is refused by the pipeline (request.body_too_large)', async () => {
    await expect(decide({ ...cfg, max_body: 10 }, { method: 'POST', headers: json({}), body: '{"sku":"ABC-1","quantity":2}' })).rejects.toBeInstanceOf(BodyTooLargeError);
  });

  it('resolves #/components/schemas references, recursive ones included', async () => {
    const tree: RequestValidationConfig = {
      components: { schemas: { Node: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, children: { type: 'array', items: { $ref: '#/components/schemas/Node' } } } } } },
      request_body: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Node' } } } },
    };
    await expect(decide(tree, { method: 'POST', headers: json({}), body: '{"name":"a","children":[{"name":"b","children":[{}]}]}' })).resolves.toMatchObject({
      errors: [{ in: 'body', pointer: '/children/0/children/0/name', message: 'is required' }],
    });
  });

  it('draft-07 is available, and OpenAPI 3.0 nullable is understood', async () => {
    const cfg07: RequestValidationConfig = { json_schema: 'draft-07', request_body: { content: { 'application/json': { schema: { type: 'object', properties: { note: { type: 'string', nullable: true } } } } } } };
    await expect(decide(cfg07, { method: 'POST', headers: json({}), body: '{"note":null}' })).resolves.toMatchObject({ outcome: 'allow' });
  });
});

describe('request-validation: compile', () => {
  it('refuses an unusable schema or a dangling reference, naming the field', () => {
    expect(() => compile({ parameters: [{ name: 'a', in: 'query', schema: { type: 'integer' } }, { name: 'b', in: 'query', schema: { type: 'nope' } }] })).toThrow(/^parameters\[1\]\.schema: is not a usable JSON Schema/);
    expect(() => compile({ methods: { POST: { request_body: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Missing' } } } } } } })).toThrow(/^methods\.POST\.request_body\.content\["application\/json"\]\.schema: is not a usable JSON Schema: can't resolve reference/);
    expect(() => compile({})).toThrow('set "parameters", "request_body" or "methods"');
  });
});

describe('request-validation through the gateway', () => {
  let up: TestUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    up = await startUpstream();
    const validation = {
      parameters: [
        { name: 'id', in: 'path', schema: { type: 'integer', minimum: 1 } },
        { name: 'expand', in: 'query', schema: { enum: ['lines', 'customer'] } },
        { name: 'X-Tenant', in: 'header', schema: { type: 'string', pattern: '^[a-z]+$' } },
      ],
      methods: { PUT: { request_body: { required: true, content: { 'application/json': { schema: order } } } } },
      max_body: '1kb',
    };
    gw = await startGateway({
      services: [{ id: 'svc', upstream: { targets: [up.url] } }],
      routes: [
        { id: 'orders', service: 'svc', paths: ['/orders/:id'], policies: [{ name: 'request-validation', config: validation }] },
        { id: 'trial', service: 'svc', paths: ['/trial'], policies: [{ name: 'request-validation', mode: 'shadow', config: { request_body: { content: { 'application/json': { schema: order } } } } }] },
      ],
    });
  });
  afterAll(async () => {
    await gw.close();
    await up.close();
  });

  const put = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) => call(`${gw.url}/orders/7`, { method: 'PUT', headers, body });
  const trace = async (r: { headers: Record<string, unknown> }) =>
    (await call(`${gw.admin}/traces/${r.headers['x-request-id'] as string}`)).json<{ entries: { code?: string; outcome: string; enforced?: boolean; data?: Record<string, unknown> }[] }>();

  it('invalid body → 400 listing each failing field (problem errors member), nothing forwarded', async () => {
    const before = up.seen.length;
    const r = await put(JSON.stringify({ sku: 'abc', quantity: 0, lines: [{ price: -5 }] }));
    expectGolden('authz/request-validation-400-invalid-body', r);
    expect(up.seen.length).toBe(before);
    const e = (await trace(r)).entries.find((x) => x.code === 'request.invalid_body');
    expect(e?.data).toMatchObject({ method: 'PUT', operation: 'PUT', error_count: 3, content_type: 'application/json' });
  });

  it('a valid body is forwarded unchanged after being buffered', async () => {
    const body = JSON.stringify({ sku: 'ABC-12', quantity: 3 });
    const r = await put(body);
    expect(r.status).toBe(200);
    expect(r.json<{ body: string; url: string }>()).toMatchObject({ body, url: '/orders/7' });
  });

  it('invalid query, header and path parameters → 400 with their codes', async () => {
    expectGolden('authz/request-validation-400-invalid-query', await call(`${gw.url}/orders/7?expand=everything`));
    expectGolden('authz/request-validation-400-invalid-headers', await call(`${gw.url}/orders/7`, { headers: { 'x-tenant': 'Acme Corp' } }));
    expectGolden('authz/request-validation-400-invalid-path-params', await call(`${gw.url}/orders/0`));
    expect((await call(`${gw.url}/orders/7?expand=lines`, { headers: { 'x-tenant': 'acme' } })).status).toBe(200);
  });

  it('broken JSON, a missing body and a foreign media type have their own answers', async () => {
    expectGolden('authz/request-validation-400-invalid-json', await put('{"sku": "ABC-1",'));
    expectGolden('authz/request-validation-400-body-missing', await call(`${gw.url}/orders/7`, { method: 'PUT' }));
    expectGolden('authz/request-validation-415-unsupported-media-type', await put('sku=ABC-1', { 'content-type': 'application/x-www-form-urlencoded' }));
  });

  it('a body over max_body is refused with 413 without buffering it whole', async () => {
    const r = await put(JSON.stringify({ sku: 'ABC-1', quantity: 1, pad: 'x'.repeat(2000) }));
    expect(r.status).toBe(413);
    expect(r.json()).toMatchObject({ code: 'request.body_too_large', policy: { id: 'route:orders:request-validation' } });
  });

  it('shadow mode records the invalid body (not enforced) and forwards it', async () => {
    const r = await call(`${gw.url}/trial`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"quantity":-1}' });
    expect(r.status).toBe(200);
    expect(r.json<{ body: string }>().body).toBe('{"quantity":-1}');
    expect((await trace(r)).entries.find((e) => e.code === 'request.invalid_body')).toMatchObject({ outcome: 'deny', enforced: false, data: { error_count: 2 } });
  });

  it('the simulator explains a body denial with the same errors, without contacting the upstream', async () => {
    const before = up.seen.length;
    const r = await call(`${gw.admin}/simulate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ method: 'PUT', path: '/orders/7', headers: { 'content-type': 'application/json' }, body: '{"sku":"ABC-1"}' }),
    });
    expect(r.json()).toMatchObject({
      outcome: 'denied',
      response: { status: 400, body: { code: 'request.invalid_body', errors: [{ in: 'body', pointer: '/quantity', message: 'is required' }] } },
    });
    expect(up.seen.length).toBe(before);
  });

  it('refuses an unusable schema at config time with the exact field', async () => {
    const bad = await call(`${gw.admin}/config/validate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ policies: [{ name: 'request-validation', config: { parameters: [{ name: 'q', in: 'query', schema: { minimum: 'one' } }] } }] }),
    });
    expect(bad.status).toBe(422);
    expect(bad.json<{ errors: { path: string }[] }>().errors).toEqual([expect.objectContaining({ path: 'policies[0].config.parameters[0].schema' })]);
  });
});
