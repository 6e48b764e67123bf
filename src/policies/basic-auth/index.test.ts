import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startGateway, type TestGateway } from '../../test-support/gateway.js';
import { expectGolden } from '../../test-support/golden.js';
import { startUpstream, type TestUpstream } from '../../test-support/upstream.js';
import { compileContext, decided, request } from '../_auth/testing.js';
import { basicAuth, hashPassword, parsePasswordHash, verifyPassword } from './index.js';
import type { BasicAuthConfig } from './schema.js';

const FAST = { ln: 10, r: 8, p: 1 };
const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
const alice = { id: 'alice', groups: ['staff'] };

let aliceHash: string;
beforeAll(async () => {
  aliceHash = await hashPassword('correct horse: battery', FAST);
});

function compile(config: BasicAuthConfig = {}, passwordHash = aliceHash, persistent = new Map<string, unknown>()) {
  return basicAuth.compile(config, compileContext({ consumers: [alice], persistent, credentials: [{ id: 'alice-basic', type: 'basic-auth', consumer: 'alice', username: 'alice', password_hash: passwordHash, scopes: ['read'] }] }));
}

describe('basic-auth password hashing', () => {
  it('stores scrypt with its parameters (PHC form) and verifies in constant time', async () => {
    const stored = await hashPassword('s3cret');
    expect(stored).toMatch(/^\$scrypt\$ln=15,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(stored).not.toContain('s3cret');
    const parsed = parsePasswordHash(stored)!;
    expect(await verifyPassword('s3cret', parsed)).toBe(true);
    expect(await verifyPassword('s3cret!', parsed)).toBe(false);
    expect(await hashPassword('s3cret')).not.toBe(stored);
  });
});

describe('basic-auth decision logic', () => {
  it('accepts the right password (a colon inside the password is fine), then answers from the cache synchronously', async () => {
    const p = compile();
    const req = request({ headers: basic('alice', 'correct horse: battery') });
    const first = p.evaluate(req);
    expect(first).toBeInstanceOf(Promise);
    expect(await first).toMatchObject({ outcome: 'allow', data: { username: 'alice', credential: 'alice-basic', cached: false } });
    expect(req.consumer).toEqual(alice);
    expect(req.credential).toEqual({ id: 'alice-basic', type: 'basic-auth', scopes: ['read'] });
    expect(req.edits.removed.has('authorization')).toBe(true);
    const second = p.evaluate(request({ headers: basic('alice', 'correct horse: battery') }));
    expect(second).not.toBeInstanceOf(Promise);
    expect(second).toMatchObject({ outcome: 'allow', data: { cached: true } });
  });

  it('unknown user and wrong password look the same to the client, the trace tells them apart', async () => {
    const p = compile();
    const wrong = await decided(p.evaluate(request({ headers: basic('alice', 'nope') })));
    const unknown = await decided(p.evaluate(request({ headers: basic('mallory', 'nope') })));
    expect(wrong).toMatchObject({ code: 'auth.basic_invalid', detail: 'The username or password is not valid.', data: { reason: 'wrong_password' } });
    expect(unknown).toMatchObject({ code: 'auth.basic_invalid', detail: 'The username or password is not valid.', data: { reason: 'unknown_user' } });
    expect(JSON.stringify([wrong, unknown])).not.toContain('nope');
  });

  it('missing (no header, or another scheme) and malformed are distinct', async () => {
    const p = compile({ realm: 'ops' });
    expect(await decided(p.evaluate(request()))).toMatchObject({ code: 'auth.basic_missing', headers: { 'www-authenticate': 'Basic realm="ops", charset="UTF-8"' } });
    expect(await decided(p.evaluate(request({ headers: { authorization: 'Bearer abc' } })))).toMatchObject({ code: 'auth.basic_missing', data: { other_scheme: 'Bearer' } });
    expect(await decided(p.evaluate(request({ headers: { authorization: 'Basic !!!' } })))).toMatchObject({ code: 'auth.basic_malformed' });
    expect(await decided(p.evaluate(request({ headers: { authorization: `Basic ${Buffer.from('no-colon').toString('base64')}` } })))).toMatchObject({ code: 'auth.basic_malformed' });
  });

  it('a changed password hash invalidates cached verifications, and the cache survives recompiles', async () => {
    const persistent = new Map<string, unknown>();
    await decided(compile({}, aliceHash, persistent).evaluate(request({ headers: basic('alice', 'correct horse: battery') })));
    expect(compile({}, aliceHash, persistent).evaluate(request({ headers: basic('alice', 'correct horse: battery') }))).not.toBeInstanceOf(Promise);
    const changed = compile({}, await hashPassword('new password', FAST), persistent);
    expect(await decided(changed.evaluate(request({ headers: basic('alice', 'correct horse: battery') })))).toMatchObject({ code: 'auth.basic_invalid', data: { reason: 'wrong_password' } });
  });

  it('the simulator (dry run) verifies but does not fill the shared cache', async () => {
    const p = compile();
    expect(await decided(p.evaluate(request({ headers: basic('alice', 'correct horse: battery'), dryRun: true })))).toMatchObject({ outcome: 'allow' });
    expect(p.evaluate(request({ headers: basic('alice', 'correct horse: battery') }))).toBeInstanceOf(Promise);
  });

  it('bounds waiting scrypt checks: beyond the queue it answers 503 auth.basic_busy', async () => {
    const slow = await hashPassword('x', { ln: 16, r: 8, p: 1 });
    const p = compile({ max_queued_verifications: 0, cache_max_entries: 0 }, slow);
    const running = [decided(p.evaluate(request({ headers: basic('alice', 'a') }))), decided(p.evaluate(request({ headers: basic('alice', 'b') })))];
    const third = p.evaluate(request({ headers: basic('alice', 'c') }));
    expect(third).toMatchObject({ outcome: 'deny', code: 'auth.basic_busy', headers: { 'retry-after': '1' } });
    expect(await Promise.all(running)).toMatchObject([{ code: 'auth.basic_invalid' }, { code: 'auth.basic_invalid' }]);
  });

  it('refuses two credentials with the same username', async () => {
    const other = { id: 'other', groups: [] };
    const ctx = compileContext({
      consumers: [alice, other],
      credentials: [
        { id: 'a', type: 'basic-auth', consumer: 'alice', username: 'alice', password_hash: aliceHash },
        { id: 'b', type: 'basic-auth', consumer: 'other', username: 'alice', password_hash: aliceHash },
      ],
    });
    expect(() => basicAuth.compile({}, ctx)).toThrow(/"a" and "b" have the same username "alice"/);
  });
});

describe('basic-auth through the gateway', () => {
  let up: TestUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    up = await startUpstream();
    gw = await startGateway({
      services: [{ id: 'svc', upstream: { targets: [up.url] } }],
      consumers: [
        { id: 'alice', credentials: [{ id: 'alice-basic', type: 'basic-auth', username: 'alice', password_hash: aliceHash }] },
        { id: 'bob', credentials: [{ id: 'bob-basic', type: 'basic-auth', username: 'bob', password_hash: await hashPassword('slow', { ln: 16, r: 8, p: 1 }) }] },
      ],
      routes: [
        { id: 'basic', service: 'svc', paths: ['/basic'], policies: [{ name: 'basic-auth' }] },
        { id: 'busy', service: 'svc', paths: ['/busy'], policies: [{ name: 'basic-auth', config: { max_queued_verifications: 0, cache_max_entries: 0 } }] },
      ],
    });
  });
  afterAll(async () => {
    await gw.close();
    await up.close();
  });

  it('forwards with the right password, without the Authorization header', async () => {
    const r = await call(`${gw.url}/basic`, { headers: basic('alice', 'correct horse: battery') });
    expect(r.status).toBe(200);
    expect(up.seen.at(-1)!.headers.authorization).toBeUndefined();
    expect(up.seen.at(-1)!.headers['x-consumer-id']).toBe('alice');
  });

  it('401 auth.basic_missing with a Basic challenge', async () => {
    expectGolden('auth/basic-auth-401-missing', await call(`${gw.url}/basic`));
  });

  it('401 auth.basic_malformed', async () => {
    expectGolden('auth/basic-auth-401-malformed', await call(`${gw.url}/basic`, { headers: { authorization: 'Basic bm8tY29sb24=' } }));
  });

  it('401 auth.basic_invalid, the same answer for an unknown user and a wrong password', async () => {
    expectGolden('auth/basic-auth-401-invalid', await call(`${gw.url}/basic`, { headers: basic('alice', 'wrong') }));
    expectGolden('auth/basic-auth-401-invalid', await call(`${gw.url}/basic`, { headers: basic('nobody', 'wrong') }));
  });

  it('503 auth.basic_busy when more password checks arrive than may run or wait', async () => {
    // Two slow checks run process-wide and none may wait: of four at once, some are refused.
    const all = await Promise.all(['a', 'b', 'c', 'd'].map((pw) => call(`${gw.url}/busy`, { headers: basic('bob', pw) })));
    const busy = all.filter((r) => r.status === 503);
    expect(busy.length).toBeGreaterThan(0);
    expect(all.filter((r) => r.status === 401).length).toBeGreaterThan(0);
    expectGolden('auth/basic-auth-503-busy', busy[0]!);
  });

  it('the simulator explains a wrong password', async () => {
    const sim = (await call(`${gw.admin}/simulate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ method: 'GET', path: '/basic', headers: basic('alice', 'wrong') }) })).json<{
      response: { status: number; body: { code: string } };
      trace: { entries: { code?: string; data?: Record<string, unknown> }[] };
    }>();
    expect(sim.response).toMatchObject({ status: 401, body: { code: 'auth.basic_invalid' } });
    expect(sim.trace.entries.find((e) => e.code === 'auth.basic_invalid')?.data).toMatchObject({ reason: 'wrong_password', username: 'alice' });
  });

  it('refuses a plain password in the config, naming the field', async () => {
    const bad = await call(`${gw.admin}/config/validate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ consumers: [{ id: 'x', credentials: [{ id: 'x-basic', type: 'basic-auth', username: 'x', password_hash: 'hunter2' }] }] }),
    });
    expect(bad.status).toBe(422);
    expect(bad.json<{ errors: { path: string; message: string }[] }>().errors[0]).toMatchObject({ path: 'consumers[0].credentials[0].password_hash' });
  });
});
