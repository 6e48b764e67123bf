import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { call } from '../../src/test-support/gateway.js';
import { runCli, startSluiceProcess, type SluiceProcess } from '../../src/test-support/process.js';
import { startUpstream, type TestUpstream } from '../../src/test-support/upstream.js';

/** The real `sluice` binary (dist/cli/main.js), as a user runs it. `npm test` builds first. */
describe('sluice CLI, end to end', () => {
  let dir: string;
  let up: TestUpstream;

  const config = (max: number) => `
services:
  - id: orders
    upstream:
      targets: ["${up.url}"]
routes:
  - id: orders-api
    service: orders
    paths: ["/orders"]
    policies:
      - name: request-size
        config: { max: ${max} }
policies:
  - name: ip-restriction
    config: { deny: ["10.0.0.0/8"] }
`;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-cli-'));
    up = await startUpstream();
  });
  afterAll(async () => {
    await up.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('config validate: accepts a good file, names every bad field, exits non-zero', async () => {
    await writeFile(join(dir, 'good.yaml'), config(10));
    const good = await runCli(['config', 'validate', join(dir, 'good.yaml')]);
    expect(good.code).toBe(0);
    expect(good.stdout).toMatch(/valid \(1 services, 1 routes, 0 consumers, 2 policies; hash [0-9a-f]{12}\)/);

    await writeFile(join(dir, 'bad.yaml'), 'services:\n  - id: a\n    upstream:\n      targets: ["htp://x"]\nroutes:\n  - id: r\n    service: b\n    paths: ["/"]\n');
    const bad = await runCli(['config', 'validate', join(dir, 'bad.yaml')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('services[0].upstream.targets[0]: "htp://x" is not an http(s) URL');
    expect(bad.stderr).toContain('routes[0].service: no service with id "b"');
  });

  it('config validate compiles policies that need module services (counters), as start does', async () => {
    const limited = `${config(10)}  - name: rate-limit
    config: { limit: 5, window: 1s }
  - name: quota
    config: { limit: 100, period: day }
`;
    await writeFile(join(dir, 'limited.yaml'), limited);
    const ok = await runCli(['config', 'validate', join(dir, 'limited.yaml')]);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/valid \(1 services, 1 routes, 0 consumers, 4 policies;/);
    await writeFile(join(dir, 'limited-bad.yaml'), limited.replace('window: 1s', 'window: soon'));
    const bad = await runCli(['config', 'validate', join(dir, 'limited-bad.yaml')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('policies[1].config.window');
  });

  it('refuses to start on an invalid file and says why', async () => {
    await writeFile(join(dir, 'broken.yaml'), 'routes: [{ id: r, service: nope, paths: ["/"] }]\n');
    const r = await runCli(['start', '--config', join(dir, 'broken.yaml'), '--port', '0', '--admin-port', '0', '--data', join(dir, 'd0')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('routes[0].service: no service with id "nope"');
  });

  describe('declarative mode', () => {
    let p: SluiceProcess;
    const file = () => join(dir, 'sluice.yaml');

    beforeAll(async () => {
      await writeFile(file(), config(10));
      p = await startSluiceProcess(['--config', file(), '--data', join(dir, 'data1')]);
    });
    afterAll(async () => {
      await p.stop();
    });

    it('proxies, and `explain` prints the trace of a denial with the deciding policy', async () => {
      expect((await call(`${p.proxy}/orders`)).status).toBe(200);
      const denied = await call(`${p.proxy}/orders`, { method: 'POST', body: 'x'.repeat(50) });
      expect(denied.status).toBe(413);
      const id = denied.headers['x-request-id'] as string;
      const out = await runCli(['explain', id, '--admin', p.admin]);
      expect(out.code).toBe(0);
      expect(out.stdout).toContain(`Request ${id}`);
      expect(out.stdout).toMatch(/request-size \(route:orders-api:request-size\)\s+deny\s+request\.too_large/);
      expect(out.stdout).toContain('Decided by: request-size (route:orders-api:request-size) at route scope, phase guard');
      expect(out.stdout).toContain('size: 50');
    });

    it('`simulate` explains a denial before it happens, and a forward', async () => {
      const denied = await runCli(['simulate', '--admin', p.admin, '/orders', '--ip', '10.1.2.3']);
      expect(denied.stdout).toContain('Would be DENIED: 403');
      expect(denied.stdout).toContain('ip.denied');
      const ok = await runCli(['simulate', '--admin', p.admin, '-X', 'POST', '/orders', '-d', 'tiny']);
      expect(ok.stdout).toContain(`Would be FORWARDED to service orders as /orders (targets: ${up.url})`);
      const json = await runCli(['simulate', '--admin', p.admin, '/orders', '--ip', '10.9.9.9', '--json']);
      expect(JSON.parse(json.stdout)).toMatchObject({ outcome: 'denied', response: { status: 403, body: { code: 'ip.denied' } } });
    });

    it('`config export` prints the active config as YAML', async () => {
      const out = await runCli(['config', 'export', '--admin', p.admin]);
      expect(parse(out.stdout)).toEqual(parse(config(10)));
    });

    it('SIGHUP reloads the file as a new version; a broken edit keeps the previous one', async () => {
      await writeFile(file(), config(100));
      p.child.kill('SIGHUP');
      const deadline = Date.now() + 5000;
      let status = 0;
      while (Date.now() < deadline && status !== 200) {
        status = (await call(`${p.proxy}/orders`, { method: 'POST', body: 'x'.repeat(50) })).status;
        if (status !== 200) await new Promise((r) => setTimeout(r, 50));
      }
      expect(status).toBe(200);
      expect((await call(`${p.admin}/status`)).json()).toMatchObject({ config_version: 2 });
      await writeFile(file(), 'routes: [{ id: r, service: nope, paths: ["/"] }]\n');
      p.child.kill('SIGHUP');
      await new Promise((r) => setTimeout(r, 500));
      expect((await call(`${p.admin}/status`)).json()).toMatchObject({ config_version: 2 });
      expect(p.output()).toContain('config reload refused');
      const put = await call(`${p.admin}/config`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(put.json()).toMatchObject({ status: 409, code: 'admin.config_file_managed' });
    });
  });

  describe('store mode (embedded SQLite)', () => {
    it('keeps config and denied traces across restarts; SIGTERM exits cleanly', async () => {
      const data = join(dir, 'data2');
      let p = await startSluiceProcess(['--data', data]);
      const doc = parse(config(10)) as unknown;
      const put = await call(`${p.admin}/config`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(doc) });
      expect(put.json()).toMatchObject({ version: 1 });
      const denied = await call(`${p.proxy}/orders`, { method: 'POST', body: 'x'.repeat(20) });
      const id = denied.headers['x-request-id'] as string;
      expect(await p.stop()).toBe(0);

      p = await startSluiceProcess(['--data', data]);
      try {
        expect((await call(`${p.admin}/status`)).json()).toMatchObject({ config_version: 1 });
        expect((await call(`${p.proxy}/orders`, { method: 'POST', body: 'x'.repeat(20) })).status).toBe(413);
        const t = await call(`${p.admin}/traces/${id}`);
        expect(t.json()).toMatchObject({ requestId: id, code: 'request.too_large', decidedBy: { id: 'route:orders-api:request-size' } });
        const exported = await runCli(['config', 'export', '--data', data]);
        expect(parse(exported.stdout)).toEqual(doc);
      } finally {
        expect(await p.stop()).toBe(0);
      }
      expect((await readFile(join(data, 'sluice.db'))).length).toBeGreaterThan(0);
    });

    it('keeps the admin listener on loopback unless a token is configured', async () => {
      const r = await runCli(['start', '--admin-host', '0.0.0.0', '--port', '0', '--admin-port', '0', '--data', join(dir, 'data3')], { SLUICE_ADMIN_TOKEN: '' });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('set SLUICE_ADMIN_TOKEN');
    });
  });
});
