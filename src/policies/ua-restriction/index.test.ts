import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestContext } from '../../core/context.js';
import { ConfigFieldError, type CompileContext, type Decision } from '../../core/policy.js';
import { call, startGateway, type TestGateway } from '../../test-support/gateway.js';
import { expectGolden } from '../../test-support/golden.js';
import { startUpstream, type TestUpstream } from '../../test-support/upstream.js';
import { uaRestriction } from './index.js';
import type { UaRestrictionConfig } from './schema.js';

const compileCtx = { fail: (path: string, reason: string): never => { throw new ConfigFieldError(path, reason); } } as unknown as CompileContext;
const decide = (config: UaRestrictionConfig, ua: string | undefined): Decision =>
  uaRestriction.compile(config, compileCtx).evaluate({ header: (n: string) => (n === 'user-agent' ? ua : undefined) } as RequestContext) as Decision;

describe('ua-restriction decision logic', () => {
  it('allow wins over deny (exceptions to a bot list), deny refuses the rest', () => {
    const cfg = { deny: ['bot', 'curl/'], allow: ['Googlebot/2\\.1'] };
    expect(decide(cfg, 'Mozilla/5.0 (compatible; Googlebot/2.1)')).toMatchObject({ outcome: 'allow', data: { matched: 'Googlebot/2\\.1', list: 'allow' } });
    expect(decide(cfg, 'Mozilla/5.0 (compatible; AhrefsBot/7.0)')).toMatchObject({ outcome: 'deny', code: 'ua.denied', data: { matched: 'bot' } });
    expect(decide(cfg, 'Mozilla/5.0 Firefox/128.0')).toMatchObject({ outcome: 'allow', data: { user_agent: 'Mozilla/5.0 Firefox/128.0' } });
  });

  it('an allow list alone is strict', () => {
    expect(decide({ allow: ['^acme-sdk/'] }, 'acme-sdk/1.2')).toMatchObject({ outcome: 'allow' });
    expect(decide({ allow: ['^acme-sdk/'] }, 'python-requests/2.31')).toMatchObject({ outcome: 'deny', code: 'ua.not_allowed' });
  });

  it('matches case-insensitively unless told otherwise', () => {
    expect(decide({ deny: ['BOT'] }, 'somebot')).toMatchObject({ code: 'ua.denied' });
    expect(decide({ deny: ['BOT'], ignore_case: false }, 'somebot')).toMatchObject({ outcome: 'allow' });
  });

  it('a missing User-Agent is skipped by default, refused with missing: deny', () => {
    expect(decide({ deny: ['bot'] }, undefined)).toMatchObject({ outcome: 'skip' });
    expect(decide({ deny: ['bot'] }, '')).toMatchObject({ outcome: 'skip' });
    expect(decide({ deny: ['bot'], missing: 'deny' }, undefined)).toMatchObject({ outcome: 'deny', code: 'ua.missing' });
  });

  it('bounds the User-Agent it echoes', () => {
    const d = decide({ deny: ['x'] }, 'x'.repeat(5000));
    expect(d.outcome === 'deny' && d.detail.length).toBeLessThan(260);
    expect(String(d.data?.['user_agent'])).toHaveLength(201);
  });

  it('refuses bad patterns and empty configs at compile time, naming the field', () => {
    expect(() => decide({ deny: ['ok', '(unclosed'] }, 'a')).toThrow(/^deny\[1\]: is not a valid regular expression/);
    expect(() => decide({}, 'a')).toThrow('set at least one of "allow" or "deny"');
  });
});

describe('ua-restriction through the gateway', () => {
  let up: TestUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    up = await startUpstream();
    gw = await startGateway({
      services: [{ id: 'svc', upstream: { targets: [up.url] } }],
      routes: [
        { id: 'site', service: 'svc', paths: ['/site'] },
        { id: 'partners', service: 'svc', paths: ['/partners'], policies: [{ name: 'ua-restriction', config: { allow: ['^partner-sdk/\\d+'], missing: 'deny' } }] },
        { id: 'trial', service: 'svc', paths: ['/trial'], policies: [{ name: 'ua-restriction', mode: 'shadow', config: { deny: ['curl/'] } }] },
      ],
      policies: [{ name: 'ua-restriction', config: { deny: ['bot', 'curl/'], allow: ['Googlebot'] } }],
    });
  });
  afterAll(async () => {
    await gw.close();
    await up.close();
  });

  const trace = async (r: { headers: Record<string, unknown> }) =>
    (await call(`${gw.admin}/traces/${r.headers['x-request-id'] as string}`)).json<{ entries: { code?: string; outcome: string; enforced?: boolean; data?: unknown }[] }>();

  it('refuses a denied User-Agent with 403 ua.denied; the trace names the pattern', async () => {
    const r = await call(`${gw.url}/site`, { headers: { 'user-agent': 'Mozilla/5.0 (compatible; AhrefsBot/7.0)' } });
    expectGolden('authz/ua-restriction-403-denied', r);
    expect((await trace(r)).entries.find((e) => e.code === 'ua.denied')?.data).toEqual({ user_agent: 'Mozilla/5.0 (compatible; AhrefsBot/7.0)', matched: 'bot', list: 'deny' });
  });

  it('lets the allow-listed bot and ordinary browsers through', async () => {
    const before = up.seen.length;
    expect((await call(`${gw.url}/site`, { headers: { 'user-agent': 'Googlebot/2.1 (+http://www.google.com/bot.html)' } })).status).toBe(200);
    expect((await call(`${gw.url}/site`, { headers: { 'user-agent': 'Mozilla/5.0 Firefox/128.0' } })).status).toBe(200);
    expect(up.seen.length).toBe(before + 2);
  });

  it('a strict allow list refuses anything else (ua.not_allowed) and a missing User-Agent (ua.missing)', async () => {
    expectGolden('authz/ua-restriction-403-not-allowed', await call(`${gw.url}/partners`, { headers: { 'user-agent': 'python-requests/2.31' } }));
    expectGolden('authz/ua-restriction-403-missing', await call(`${gw.url}/partners`, { headers: { 'user-agent': '' } }));
    expect((await call(`${gw.url}/partners`, { headers: { 'user-agent': 'partner-sdk/3 node' } })).status).toBe(200);
  });

  it('shadow mode records the denial without enforcing it', async () => {
    const r = await call(`${gw.url}/trial`, { headers: { 'user-agent': 'curl/8.5.0' } });
    expect(r.status).toBe(200);
    const e = (await trace(r)).entries.find((x) => x.code === 'ua.denied');
    expect(e).toMatchObject({ outcome: 'deny', enforced: false, data: { matched: 'curl/' } });
  });

  it('the simulator explains a denial without contacting the upstream', async () => {
    const before = up.seen.length;
    const r = await call(`${gw.admin}/simulate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ method: 'GET', path: '/site', headers: { 'User-Agent': 'SemrushBot' } }),
    });
    const sim = r.json<{ outcome: string; response: { status: number; body: { code: string; policy: { id: string } } } }>();
    expect(sim).toMatchObject({ outcome: 'denied', response: { status: 403, body: { code: 'ua.denied', policy: { id: 'global:ua-restriction' } } } });
    expect(up.seen.length).toBe(before);
  });

  it('refuses an invalid pattern at config time with the exact field', async () => {
    const bad = await call(`${gw.admin}/config/validate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ policies: [{ name: 'ua-restriction', config: { deny: ['bot', '[a-'] } }] }),
    });
    expect(bad.status).toBe(422);
    expect(bad.json<{ errors: { path: string }[] }>().errors).toEqual([expect.objectContaining({ path: 'policies[0].config.deny[1]' })]);
  });
});
