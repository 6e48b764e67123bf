import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startGateway, type TestGateway } from '../../src/test-support/gateway.js';
import { consumer } from '../../src/test-support/llm-mocks/helpers.js';
import { CLI, runCli } from '../../src/test-support/process.js';
import { startUpstream, type TestUpstream } from '../../src/test-support/upstream.js';

/** `sluice logs` (the built CLI) against a running gateway's admin API. */
describe('sluice logs', () => {
  const KEY = 'sluice_test_cli_alice_000000001';
  let up: TestUpstream;
  let gw: TestGateway;
  const ids: string[] = [];

  beforeAll(async () => {
    up = await startUpstream();
    gw = await startGateway({
      services: [{ id: 'svc', upstream: { targets: [up.url] } }],
      routes: [{ id: 'orders', service: 'svc', paths: ['/orders'], policies: [{ name: 'key-auth' }] }, { id: 'other', service: 'svc', paths: ['/other'] }],
      consumers: [consumer('alice', KEY)],
    });
    for (let i = 0; i < 6; i++) {
      const r = await call(`${gw.url}/orders/${i}`, { headers: i % 2 ? { 'x-api-key': KEY } : {} });
      ids.push(r.headers['x-request-id'] as string);
    }
  });
  afterAll(async () => {
    await gw.close();
    await up.close();
  });

  it('lists records with the same filters as the admin API, oldest first', async () => {
    const r = await runCli(['logs', '--admin', gw.admin, '--status', '4xx', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { request_id: string; status: number; code: string });
    expect(rows.map((x) => x.request_id)).toEqual([ids[0], ids[2], ids[4]]);
    expect(rows.every((x) => x.status === 401 && x.code === 'auth.key_missing')).toBe(true);
    const t = await runCli(['logs', '--admin', gw.admin, '--consumer', 'alice', '-q', 'orders/3']);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/^time \(UTC\)\s+status\s+method\s+path/);
    expect(t.stdout).toContain(ids[3]);
    expect(t.stdout).not.toContain(ids[1]);
  });

  it('shows one record in full, with its decision trace', async () => {
    const r = await runCli(['logs', ids[0]!, '--admin', gw.admin]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('GET /orders/0 → 401 auth.key_missing (answered by gateway, decided by route:orders:key-auth)');
    expect(r.stdout).toContain('Decided by: key-auth (route:orders:key-auth) at route scope, phase authenticate');
  });

  it('refuses a bad filter naming it', async () => {
    const r = await runCli(['logs', '--admin', gw.admin, '--status', '4x']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('400 admin.invalid_request');
    expect(r.stderr).toContain('querystring.status');
    expect((await runCli(['logs', '--nope'])).code).toBe(64);
  });

  it('follows new records with -f, filtered', async () => {
    const child = spawn(process.execPath, [CLI, 'logs', '-f', '--json', '--interval', '100ms', '--route', 'orders', '--limit', '2', '--admin', gw.admin]);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const lines = () => out.trim().split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { request_id: string }).request_id);
    const wait = async (n: number) => {
      for (let i = 0; i < 200 && lines().length < n; i++) await new Promise((r) => setTimeout(r, 25));
    };
    try {
      await wait(2);
      expect(lines()).toEqual([ids[4], ids[5]]);
      const more: string[] = [];
      for (const path of ['/orders/a', '/other/b', '/orders/c']) more.push((await call(`${gw.url}${path}`, { headers: { 'x-api-key': KEY } })).headers['x-request-id'] as string);
      await wait(4);
      await new Promise((r) => setTimeout(r, 300));
      expect(lines()).toEqual([ids[4], ids[5], more[0], more[2]]);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
