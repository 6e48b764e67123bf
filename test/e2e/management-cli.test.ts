import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { call } from '../../src/test-support/gateway.js';
import { runCli, startSluiceProcess, type SluiceProcess } from '../../src/test-support/process.js';
import { startUpstream, type TestUpstream } from '../../src/test-support/upstream.js';
import { AdminClient, PASSWORD } from './management-client.js';

/** The daily management tasks with the real `sluice` binary (dist/cli/main.js; `npm test` builds first). */
describe('sluice CLI: management', () => {
  let dir: string;
  let up: TestUpstream;
  let p: SluiceProcess;
  let env: Record<string, string>;

  const stateFile = () => `
management:
  users:
    - { email: dev@example.com, name: Dev }
  teams:
    - id: payments
      name: Payments
      members: [{ user: admin@example.com, role: owner }]
    - { id: web, name: Web, members: [{ user: dev@example.com, role: editor }] }
  apis:
    - id: orders-v1
      team: payments
      name: Orders
      approval: manual
      definition:
        base_path: /v1/orders
        upstream: { targets: ["${up.url}"] }
        policies: [{ name: key-auth }]
        routes: [{ id: all, paths: [/] }]
`;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-mcli-'));
    up = await startUpstream();
    p = await startSluiceProcess(['--data', join(dir, 'data'), '--admin-auth', 'required'], { SLUICE_ADMIN_EMAIL: 'admin@example.com', SLUICE_ADMIN_PASSWORD: PASSWORD, SLUICE_ADMIN_TOKEN: '' });
    const admin = await AdminClient.withToken(p.admin, 'admin@example.com', PASSWORD);
    env = { SLUICE_ADMIN_URL: p.admin, SLUICE_ADMIN_TOKEN: admin.auth.token! };
  });
  afterAll(async () => {
    await p.stop();
    await up.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('the first admin came from SLUICE_ADMIN_EMAIL; no setup token was printed', () => {
    expect(p.output()).toContain('created the first admin user admin@example.com (owner)');
    expect(p.output()).not.toContain('setup_');
  });

  it('`config apply` shows the plan, applies it, and a second run changes nothing', async () => {
    await writeFile(join(dir, 'state.yaml'), stateFile());
    const dry = await runCli(['config', 'apply', join(dir, 'state.yaml'), '--dry-run'], env);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('Would change (4):');
    expect(dry.stdout).toContain('+ management.apis.orders-v1:');
    expect((await call(`${p.admin}/teams`, { headers: { authorization: `Bearer ${env['SLUICE_ADMIN_TOKEN']!}` } })).json()).toEqual({ items: [] });
    const run = await runCli(['config', 'apply', join(dir, 'state.yaml')], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Changes (4):');
    expect(run.stdout).toMatch(/new user dev@example\.com: set a password with POST \/auth\/password\/reset \{"link": "usr_\w+\.reset_[\w-]+"/);
    const again = await runCli(['config', 'apply', join(dir, 'state.yaml')], env);
    expect(again.stdout).toBe('No changes: the running state already matches the file.\n');
  });

  it('publish a release, create a consumer and key, list pending subscriptions and approve one', async () => {
    const pub = await runCli(['apis', 'publish', 'orders-v1', '-m', 'first'], env);
    expect(pub.code, pub.stderr).toBe(0);
    expect(pub.stdout).toContain('published orders-v1 as release 1 (published)');
    expect(pub.stdout).toContain('+ base_path: "/v1/orders"');
    expect((await runCli(['apis', 'publish', 'orders-v1'], env)).stdout).toContain('nothing to publish, release 1 is live');

    const created = await runCli(['consumers', 'create', 'shop', '--team', 'web', '--name', 'Shop', '--key'], env);
    expect(created.code, created.stderr).toBe(0);
    const key = /^ {2}key: (sluice_\S+)$/m.exec(created.stdout)?.[1];
    expect(key).toBeDefined();
    expect(created.stdout).toContain('shown only now');

    const req = await runCli(['subscriptions', 'request', '--api', 'orders-v1', '--consumer', 'shop', '--reason', 'checkout'], env);
    const id = /subscription (sub_\w+): pending/.exec(req.stdout)?.[1];
    expect(id, req.stdout + req.stderr).toBeDefined();
    expect((await call(`${p.proxy}/v1/orders`, { headers: { 'x-api-key': key! } })).json()).toMatchObject({ status: 403, code: 'subscription.pending' });

    const list = await runCli(['subscriptions', 'list', '--state', 'pending'], env);
    expect(list.stdout).toMatch(new RegExp(`${id!}\\s+orders-v1\\s+shop\\s+pending`));
    expect(list.stdout).toContain('checkout');
    const approve = await runCli(['subscriptions', 'approve', id!, '-m', 'welcome'], env);
    expect(approve.stdout).toBe(`subscription ${id!} (shop → orders-v1): approved\n`);
    expect((await call(`${p.proxy}/v1/orders`, { headers: { 'x-api-key': key! } })).status).toBe(200);
    expect((await runCli(['subscriptions', 'pending'], env)).stdout).toBe('no pending subscriptions\n');
    // A refusal is printed with its code and field, exit 1.
    const bad = await runCli(['subscriptions', 'reject', id!, '-m', 'late'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('409 admin.invalid_state: Subscription');

    const rotated = await runCli(['consumers', 'key', 'shop', '--rotate', (await listCredential(env, 'shop')), '--overlap', '1h'], env);
    const fresh = /^ {2}key: (sluice_\S+)$/m.exec(rotated.stdout)?.[1];
    expect(rotated.stdout).toContain('the previous key works for 1h more');
    expect((await call(`${p.proxy}/v1/orders`, { headers: { 'x-api-key': fresh! } })).status).toBe(200);
    expect((await call(`${p.proxy}/v1/orders`, { headers: { 'x-api-key': key! } })).status).toBe(200);
  });

  it('`config export` round-trips through `config apply` and `config validate`; `apis export` gives OpenAPI', async () => {
    const out = await runCli(['config', 'export', '-o', join(dir, 'exported.yaml')], env);
    expect(out.code, out.stderr).toBe(0);
    const text = await readFile(join(dir, 'exported.yaml'), 'utf8');
    const doc = parse(text) as { management: { subscriptions: { state: string }[]; consumers: { credentials: Record<string, unknown>[] }[] } };
    expect(doc.management.subscriptions).toEqual([{ api: 'orders-v1', consumer: 'shop', state: 'approved', reason: 'checkout', comment: 'welcome' }]);
    expect(doc.management.consumers[0]!.credentials[0]).toHaveProperty('previous_key_hash');
    expect((await runCli(['config', 'apply', join(dir, 'exported.yaml')], env)).stdout).toBe('No changes: the running state already matches the file.\n');
    const v = await runCli(['config', 'validate', join(dir, 'exported.yaml')]);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toContain('management: 2 teams, 1 apis, 1 consumers, 1 subscriptions');
    const offline = await runCli(['config', 'export', '--data', join(dir, 'data')]);
    expect(parse(offline.stdout)).toEqual(parse(text));
    const oa = await runCli(['apis', 'export', 'orders-v1'], env);
    expect(parse(oa.stdout)).toMatchObject({ openapi: '3.1.0', info: { title: 'Orders', 'x-sluice-release': 1 }, servers: [{ url: '/v1/orders' }] });
  });

  it('`migrate` says the store is up to date; `admin setup-link` refuses once an admin exists', async () => {
    expect((await runCli(['migrate', '--data', join(dir, 'data')])).stdout).toMatch(/^up to date \(sqlite:.*sluice\.db\)\n$/);
    const link = await runCli(['admin', 'setup-link', '--data', join(dir, 'data')]);
    expect(link.code).toBe(1);
    expect(link.stderr).toContain('an admin user exists already');
  });

  it('first start without SLUICE_ADMIN_EMAIL: a one-time setup token, redeemed with `sluice admin setup`', async () => {
    const data = join(dir, 'fresh');
    const fresh = await startSluiceProcess(['--data', data], { SLUICE_ADMIN_EMAIL: '', SLUICE_ADMIN_PASSWORD: '', SLUICE_ADMIN_TOKEN: '' });
    try {
      const token = /^ {2}(setup_[\w-]+)$/m.exec(fresh.output())?.[1];
      expect(token, fresh.output()).toBeDefined();
      const r = await runCli(['admin', 'setup', '--admin', fresh.admin, '--token', token!, '--email', 'root@example.com'], { SLUICE_ADMIN_PASSWORD: PASSWORD });
      expect(r.stdout, r.stderr).toContain('created the first admin user root@example.com (owner)');
      const twice = await runCli(['admin', 'setup', '--admin', fresh.admin, '--token', token!, '--email', 'other@example.com'], { SLUICE_ADMIN_PASSWORD: PASSWORD });
      expect(twice.stderr).toContain('403 admin.setup_invalid');
      expect((await AdminClient.login(fresh.admin, 'root@example.com', PASSWORD)).auth.cookie).toContain('sluice_session=');
    } finally {
      await fresh.stop();
    }
    // The token is printed once: a restart prints none.
    const again = await startSluiceProcess(['--data', data], { SLUICE_ADMIN_EMAIL: '', SLUICE_ADMIN_PASSWORD: '', SLUICE_ADMIN_TOKEN: '' });
    expect(again.output()).not.toContain('setup_');
    await again.stop();
    const link = await runCli(['admin', 'setup-link', '--data', join(dir, 'nobody-yet')]);
    expect(link.stdout).toMatch(/^One-time setup token .*\n {2}setup_[\w-]+\n/);
  });
});

async function listCredential(env: Record<string, string>, consumer: string): Promise<string> {
  const r = await runCli(['consumers', 'list', '--json'], env);
  const items = (JSON.parse(r.stdout) as { items: { id: string; credentials: { id: string }[] }[] }).items;
  return items.find((c) => c.id === consumer)!.credentials[0]!.id;
}
