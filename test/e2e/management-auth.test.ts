import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startGateway, type TestGateway } from '../../src/test-support/gateway.js';
import { expectGolden } from '../../src/test-support/golden.js';
import { AdminClient, PASSWORD } from './management-client.js';

/** Admin authentication: local operator, bootstrap token, first admin, sessions + CSRF, API tokens, login limits. */
describe('admin authentication', () => {
  describe('loopback default (--admin-auth local)', () => {
    let gw: TestGateway;
    beforeAll(async () => {
      gw = await startGateway();
    });
    afterAll(async () => {
      await gw.close();
    });

    it('a request from the admin host itself is the local operator (global owner)', async () => {
      const me = await call(`${gw.admin}/auth/me`);
      expect(me.json()).toMatchObject({ kind: 'local', global_role: 'owner' });
      expect((await call(`${gw.admin}/teams`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id":"t1","name":"T1"}' })).status).toBe(201);
    });

    it('a browser page of another site (foreign Origin) or a rebound DNS name (foreign Host) is not local: 401', async () => {
      const foreign = await call(`${gw.admin}/teams`, { headers: { origin: 'https://evil.example' } });
      expectGolden('management/admin-401-not-local', foreign);
      expect(foreign.headers['www-authenticate']).toBe('Bearer realm="sluice-admin"');
      expect((await call(`${gw.admin}/teams`, { headers: { host: 'evil.example:8081' } })).status).toBe(401);
      expect((await call(`${gw.admin}/teams`, { headers: { origin: 'http://127.0.0.1:9' } })).status).toBe(200);
    });

    it('without SLUICE_ADMIN_EMAIL the first start issues a one-time setup token; it works once', async () => {
      const token = gw.app.firstAdmin.setupToken;
      expect(token).toMatch(/^setup_/);
      const body = (t: string) => JSON.stringify({ token: t, email: 'owner@example.com', password: PASSWORD });
      expectGolden('management/admin-403-setup-invalid', await call(`${gw.admin}/auth/setup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body('setup_wrong') }));
      const created = await call(`${gw.admin}/auth/setup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body(token!) });
      expect(created.status).toBe(201);
      expect(created.json()).toMatchObject({ email: 'owner@example.com', role: 'owner', has_password: true });
      expect((await call(`${gw.admin}/auth/setup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body(token!) })).status).toBe(403);
      const owner = await AdminClient.login(gw.admin, 'owner@example.com', PASSWORD);
      expect((await owner.ok(owner.get('/auth/me'))).global_role).toBe('owner');
      // The token was never written in clear.
      const stored = await gw.app.store.management.getMeta('admin.setup_token');
      expect(stored).not.toContain(token!);
    });
  });

  describe('required mode (bootstrap token)', () => {
    const BOOT = 'boot-token-for-auth-tests-012345';
    let gw: TestGateway;
    let root: AdminClient;
    beforeAll(async () => {
      gw = await startGateway(undefined, { adminToken: BOOT, env: { SLUICE_ADMIN_EMAIL: 'First@Example.com', SLUICE_ADMIN_PASSWORD: PASSWORD } });
      root = new AdminClient(gw.admin, { token: BOOT });
      await root.ok(root.post('/users', { email: 'ann@example.com', role: 'admin', password: PASSWORD }), 201);
      await root.ok(root.post('/users', { email: 'lim@example.com', role: 'admin', password: PASSWORD }), 201);
    });
    afterAll(async () => {
      await gw.close();
    });

    it('no credential: 401 with WWW-Authenticate; a wrong bearer token: 401; the bootstrap token: owner', async () => {
      const r = await call(`${gw.admin}/teams`);
      expectGolden('management/admin-401-unauthorized', r);
      expect((await call(`${gw.admin}/teams`, { headers: { authorization: 'Bearer sluice_pat_nope' } })).status).toBe(401);
      expect((await call(`${gw.admin}/status`, { headers: { authorization: `Bearer ${BOOT}` } })).status).toBe(200);
      expect((await root.ok(root.get('/auth/me'))).kind).toBe('bootstrap');
    });

    it('the first admin comes from SLUICE_ADMIN_EMAIL / SLUICE_ADMIN_PASSWORD (an owner), never a default password', async () => {
      expect(gw.app.firstAdmin).toEqual({ created: 'First@Example.com' });
      const first = await AdminClient.login(gw.admin, 'first@example.com', PASSWORD);
      expect(await first.ok(first.get('/auth/me'))).toMatchObject({ kind: 'user', global_role: 'owner' });
      await expect(startGateway(undefined, { adminToken: BOOT, env: { SLUICE_ADMIN_EMAIL: 'x@example.com', SLUICE_ADMIN_PASSWORD: 'short' } })).rejects.toThrow('SLUICE_ADMIN_PASSWORD must be at least 12 characters');
    });

    it('login sets an HttpOnly SameSite session cookie and a readable CSRF cookie; passwords are scrypt', async () => {
      const r = await call(`${gw.admin}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'ann@example.com', password: PASSWORD }) });
      expect(r.status).toBe(200);
      const cookies = ([] as string[]).concat(r.headers['set-cookie'] ?? []);
      expect(cookies.find((c) => c.startsWith('sluice_session='))).toMatch(/; Path=\/; Max-Age=\d+; SameSite=Strict; HttpOnly$/);
      expect(cookies.find((c) => c.startsWith('sluice_csrf='))).toMatch(/; SameSite=Strict$/);
      expect(r.headers['cache-control']).toBe('no-store');
      const u = await gw.app.store.management.users.byEmail('ann@example.com');
      expect(u?.passwordHash).toMatch(/^scrypt\$32768\$8\$1\$/);
    });

    it('a write with the session cookie but without the CSRF token is refused (403 admin.csrf_failed)', async () => {
      const s = await AdminClient.login(gw.admin, 'ann@example.com', PASSWORD);
      expect((await s.get('/teams')).status).toBe(200); // reads need no CSRF token
      const noCsrf = new AdminClient(gw.admin, { cookie: s.auth.cookie! });
      expectGolden('management/admin-403-csrf-failed', await noCsrf.post('/teams', { id: 'csrf', name: 'x' }));
      const wrong = new AdminClient(gw.admin, { cookie: s.auth.cookie!, csrf: 'not-the-token' });
      expect((await wrong.post('/teams', { id: 'csrf', name: 'x' })).status).toBe(403);
      expect((await s.post('/teams', { id: 'csrf', name: 'x' })).status).toBe(201);
      // A login form posted from another site is refused too.
      const cross = await call(`${gw.admin}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'https://evil.example' }, body: JSON.stringify({ email: 'ann@example.com', password: PASSWORD }) });
      expect(cross.json()).toMatchObject({ status: 403, code: 'admin.csrf_failed' });
      // Logout ends the session.
      expect((await s.post('/auth/logout')).status).toBe(204);
      expect((await s.get('/teams')).status).toBe(401);
    });

    it('wrong password and unknown email get the same 401; logins are rate-limited (429 with Retry-After)', async () => {
      const login = (email: string, password: string) => call(`${gw.admin}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
      expectGolden('management/admin-401-login-failed', await login('lim@example.com', 'wrong password!!'));
      const unknown = await login('nobody@example.com', 'wrong password!!');
      expect(unknown.json()).toMatchObject({ status: 401, code: 'admin.login_failed', detail: 'Wrong email or password.' });
      for (let i = 0; i < 4; i++) expect((await login('lim@example.com', 'wrong password!!')).status).toBe(401);
      const limited = await login('lim@example.com', 'wrong password!!');
      expectGolden('management/admin-429-login-rate-limited', limited, { [String(limited.headers['retry-after'])]: '<seconds>' });
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(800);
      // Even the right password waits now; another account is not affected.
      expect((await login('lim@example.com', PASSWORD)).status).toBe(429);
      expect((await login('ann@example.com', PASSWORD)).status).toBe(200);
    });

    it('API tokens: shown once, stored hashed, capped by their role, revocable; no CSRF needed', async () => {
      const s = await AdminClient.login(gw.admin, 'ann@example.com', PASSWORD);
      const t = await s.ok<{ id: string; token: string; role: string }>(s.post('/auth/tokens', { name: 'ci', role: 'viewer' }), 201);
      expect(t.token).toMatch(/^sluice_pat_/);
      expect(JSON.stringify(await s.ok(s.get('/auth/tokens')))).not.toContain(t.token);
      const ci = new AdminClient(gw.admin, { token: t.token });
      expect(await ci.ok(ci.get('/auth/me'))).toMatchObject({ kind: 'token', global_role: 'viewer', token_role: 'viewer' });
      expect((await ci.get('/config')).status).toBe(200);
      const denied = await ci.post('/teams', { id: 'capped', name: 'x' });
      expect(denied.json()).toMatchObject({ status: 403, code: 'admin.forbidden', detail: 'Creating a team needs the global admin role; you have viewer.' });
      expect((await s.del(`/auth/tokens/${t.id}`)).status).toBe(204);
      expect((await ci.get('/auth/me')).status).toBe(401);
    });

    it('invited users set their password with a one-time link; disabled users are locked out', async () => {
      const inv = await root.ok<{ id: string; reset_token: string; has_password: boolean }>(root.post('/users', { email: 'new@example.com' }), 201);
      expect(inv.has_password).toBe(false);
      const set = await call(`${gw.admin}/auth/password/reset`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ link: inv.reset_token, password: PASSWORD }) });
      expect(set.status).toBe(200);
      expect((await call(`${gw.admin}/auth/password/reset`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ link: inv.reset_token, password: PASSWORD }) })).status).toBe(403);
      const nu = await AdminClient.withToken(gw.admin, 'new@example.com', PASSWORD);
      expect((await nu.get('/auth/me')).status).toBe(200);
      await root.ok(root.patch(`/users/${inv.id}`, { disabled: true }));
      expect((await nu.get('/auth/me')).status).toBe(401);
      const audit = await root.ok<{ items: { action: string }[] }>(root.get(`/audit?resource_id=${inv.id}`));
      expect(audit.items.map((e) => e.action)).toEqual(['user.update', 'user.password_reset.redeem', 'user.create']);
    });
  });
});
