import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestTrace } from '../core/trace.js';
import { freshPgSchema, hasPostgres, PG_URL } from '../test-support/services.js';
import { ConflictError, StaleEntityError } from './management/index.js';
import { StaleVersionError, Store } from './store.js';

/**
 * The one contract every store implementation keeps (Hono's `runTest({ newRouter })` pattern):
 * the same cases run against SQLite and PostgreSQL.
 */
export function runContract(o: {
  name: string;
  open: () => Promise<{ store: Store; cleanup: () => Promise<void> }>;
  /** Writes meta key → 'written elsewhere' through another connection, in another process or thread. */
  writeElsewhere: (key: string) => Promise<unknown>;
  skip?: () => Promise<boolean>;
}): void {
  describe(`store contract: ${o.name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void> = async () => undefined;
    let skipped = false;

    beforeAll(async () => {
      skipped = (await o.skip?.()) ?? false;
      if (skipped) return;
      ({ store, cleanup } = await o.open());
    });
    afterAll(async () => {
      if (skipped) return;
      await store.close();
      await cleanup();
    });
    const t = (name: string, fn: () => Promise<void>) => it(name, async (ctx) => (skipped ? ctx.skip() : fn()));

    t('migrations are idempotent', async () => {
      expect(await store.migrate()).toEqual([]);
    });

    t('config versions: save, latest, get, list with cursor', async () => {
      expect(await store.configs.latest()).toBeUndefined();
      const v1 = await store.configs.save({ services: [] }, 'h1', { expectedVersion: 0, author: 'a', message: 'first' });
      expect(v1).toMatchObject({ version: 1, hash: 'h1', author: 'a', message: 'first', document: { services: [] } });
      const v2 = await store.configs.save({ routes: [] }, 'h2');
      expect(v2.version).toBe(2);
      expect((await store.configs.latest())?.document).toEqual({ routes: [] });
      expect((await store.configs.get(1))?.hash).toBe('h1');
      expect(await store.configs.get(99)).toBeUndefined();
      const page = await store.configs.list(1);
      expect(page.map((v) => v.version)).toEqual([2]);
      expect((await store.configs.list(10, 2)).map((v) => v.version)).toEqual([1]);
      expect(typeof page[0]!.createdAt).toBe('number');
    });

    t('config versions: a stale expected version is refused and nothing is saved', async () => {
      const cur = (await store.configs.latest())!.version;
      await expect(store.configs.save({}, 'x', { expectedVersion: cur - 1 })).rejects.toBeInstanceOf(StaleVersionError);
      expect((await store.configs.latest())!.version).toBe(cur);
      // Two writers with the same expectation: exactly one wins.
      const results = await Promise.allSettled([store.configs.save({ a: 1 }, 'ra', { expectedVersion: cur }), store.configs.save({ b: 1 }, 'rb', { expectedVersion: cur })]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(results.filter((r) => r.status === 'rejected' && r.reason instanceof StaleVersionError)).toHaveLength(1);
    });

    t('traces: save (idempotent per request id), get, filter, paginate, expire', async () => {
      const mk = (i: number, extra: Partial<RequestTrace> = {}): RequestTrace => ({
        requestId: `req-${i}`,
        timestamp: 1_000 + i,
        configVersion: 1,
        method: 'GET',
        path: `/p/${i}`,
        clientIp: '127.0.0.1',
        status: i % 2 ? 403 : 401,
        code: i % 2 ? 'ip.denied' : 'auth.key_missing',
        routeId: 'r1',
        consumerId: i === 3 ? 'c3' : undefined,
        answeredBy: 'gateway',
        simulated: false,
        durationMs: 1.5,
        entries: [],
        ...extra,
      });
      await store.traces.saveMany([mk(1), mk(2), mk(3), mk(4)]);
      await store.traces.saveMany([mk(1, { path: '/changed' })]);
      expect((await store.traces.get('req-1'))?.path).toBe('/p/1');
      expect(await store.traces.get('nope')).toBeUndefined();
      expect((await store.traces.list({ limit: 2 })).map((x) => x.requestId)).toEqual(['req-4', 'req-3']);
      expect((await store.traces.list({ before: 1_003 })).map((x) => x.requestId)).toEqual(['req-2', 'req-1']);
      expect((await store.traces.list({ code: 'ip.denied' })).map((x) => x.requestId)).toEqual(['req-3', 'req-1']);
      expect((await store.traces.list({ consumerId: 'c3' })).map((x) => x.requestId)).toEqual(['req-3']);
      expect((await store.traces.list({ status: 401, routeId: 'r1' })).length).toBe(2);
      expect(await store.traces.deleteOlderThan(1_003)).toBe(2);
      expect((await store.traces.list()).length).toBe(2);
      // Over SQLite's bound-parameter limit in one call.
      await store.traces.saveMany(Array.from({ length: 250 }, (_, i) => mk(100 + i)));
      expect((await store.traces.list({ limit: 1000 })).length).toBe(252);
    });

    t('meta: upsert and delete', async () => {
      const m = store.management;
      expect(await m.getMeta('k')).toBeUndefined();
      await m.setMeta('k', 'v1');
      await m.setMeta('k', 'v2');
      expect(await m.getMeta('k')).toBe('v2');
      await m.deleteMeta('k');
      expect(await m.getMeta('k')).toBeUndefined();
    });

    t('teams: create, conflict, update with version, members', async () => {
      const m = store.management;
      const team = await m.teams.insert({ id: 'payments', name: 'Payments' });
      expect(team.version).toBe(1);
      await expect(m.teams.insert({ id: 'payments', name: 'again' })).rejects.toBeInstanceOf(ConflictError);
      await m.teams.insert({ id: 'web', name: 'Web', description: 'front' });
      const upd = await m.teams.update('payments', { description: 'money' }, 1);
      expect(upd).toMatchObject({ version: 2, description: 'money', name: 'Payments' });
      await expect(m.teams.update('payments', { name: 'x' }, 1)).rejects.toBeInstanceOf(StaleEntityError);
      expect(await m.teams.update('nope', { name: 'x' })).toBeUndefined();
      const p1 = await m.teams.list({ limit: 1 });
      expect(p1.items.map((x) => x.id)).toEqual(['payments']);
      expect(p1.next).toBe('payments');
      expect((await m.teams.list({ after: p1.next })).items.map((x) => x.id)).toEqual(['web']);
      expect((await m.teams.list({ ids: ['web'] })).items.map((x) => x.id)).toEqual(['web']);
      expect((await m.teams.list({ ids: [] })).items).toEqual([]);

      const u = await m.users.insert({ id: 'usr_1', email: 'Alice@Example.com', role: 'viewer' });
      await m.teams.setMember('payments', u.id, 'editor');
      await m.teams.setMember('payments', u.id, 'admin');
      expect(await m.teams.members('payments')).toMatchObject([{ userId: 'usr_1', role: 'admin' }]);
      expect((await m.teams.membershipsOf('usr_1')).map((x) => x.teamId)).toEqual(['payments']);
      expect(await m.teams.removeMember('payments', 'usr_1')).toBe(true);
      expect(await m.teams.membership('payments', 'usr_1')).toBeUndefined();
    });

    t('users: emails are unique and lower-cased; tokens and sessions by hash; cascade on delete', async () => {
      const m = store.management;
      expect((await m.users.byEmail('ALICE@example.COM'))?.id).toBe('usr_1');
      await expect(m.users.insert({ id: 'usr_2', email: 'alice@example.com' })).rejects.toBeInstanceOf(ConflictError);
      const bob = await m.users.insert({ id: 'usr_3', email: 'bob@example.com', passwordHash: 'scrypt$x' });
      expect(bob).toMatchObject({ disabled: false, passwordHash: 'scrypt$x' });
      expect(await m.users.count()).toBe(2);
      const upd = await m.users.update('usr_3', { role: 'admin', disabled: true, lastLoginAt: 5 }, 1);
      expect(upd).toMatchObject({ role: 'admin', disabled: true, lastLoginAt: 5, version: 2 });
      await m.users.update('usr_3', { role: null, disabled: false });
      expect((await m.users.get('usr_3'))?.role).toBeUndefined();

      await m.users.insertToken({ id: 'tok_1', userId: 'usr_3', name: 'ci', tokenHash: 'h-tok', role: 'viewer', expiresAt: 10 });
      expect(await m.users.tokenByHash('h-tok')).toMatchObject({ id: 'tok_1', role: 'viewer', expiresAt: 10 });
      await m.users.touchToken('tok_1', 42);
      expect((await m.users.tokens('usr_3'))[0]?.lastUsedAt).toBe(42);
      expect(await m.users.deleteToken('usr_1', 'tok_1')).toBe(false); // not the owner
      await m.users.insertSession({ idHash: 's1', userId: 'usr_3', csrfHash: 'c1', createdAt: 1, expiresAt: 100, lastSeenAt: 1 });
      await m.users.insertSession({ idHash: 's2', userId: 'usr_3', csrfHash: 'c2', createdAt: 1, expiresAt: 5, lastSeenAt: 1, ip: '127.0.0.1' });
      expect(await m.users.deleteExpiredSessions(50)).toBe(1);
      await m.users.touchSession('s1', 7);
      expect((await m.users.sessionByHash('s1'))?.lastSeenAt).toBe(7);
      expect(await m.users.delete('usr_3')).toBe(true);
      expect(await m.users.tokenByHash('h-tok')).toBeUndefined();
      expect(await m.users.sessionByHash('s1')).toBeUndefined();
    });

    t('apis and releases: draft, releases newest first, live release join', async () => {
      const m = store.management;
      const a = await m.apis.insert({ id: 'orders-v1', teamId: 'payments', name: 'Orders', versionLabel: 'v1', state: 'draft', visibility: 'public', approval: 'manual', subscriptionRequired: true, definition: { base_path: '/v1/orders', routes: [] } });
      expect(a).toMatchObject({ version: 1, subscriptionRequired: true, definition: { base_path: '/v1/orders' } });
      await expect(m.apis.insert({ ...a })).rejects.toBeInstanceOf(ConflictError);
      await m.apis.insertRelease({ apiId: 'orders-v1', number: 1, snapshot: { n: 1 }, diff: [], author: 'alice' });
      await m.apis.insertRelease({ apiId: 'orders-v1', number: 2, snapshot: { n: 2 }, diff: [{ op: 'change' }], notes: 'fix' });
      await expect(m.apis.insertRelease({ apiId: 'orders-v1', number: 2, snapshot: {}, diff: [] })).rejects.toBeInstanceOf(ConflictError);
      expect(await m.apis.liveReleases()).toEqual([]);
      const pub = await m.apis.update('orders-v1', { state: 'published', liveRelease: 1, deprecation: { sunset: 'x' } }, 1);
      expect(pub).toMatchObject({ state: 'published', liveRelease: 1, deprecation: { sunset: 'x' }, version: 2 });
      expect((await m.apis.update('orders-v1', { deprecation: null }))?.deprecation).toBeUndefined();
      expect((await m.apis.liveReleases()).map((r) => [r.apiId, r.number, r.snapshot])).toEqual([['orders-v1', 1, { n: 1 }]]);
      const rel = await m.apis.releases('orders-v1', { limit: 1 });
      expect(rel.items.map((r) => r.number)).toEqual([2]);
      expect((await m.apis.releases('orders-v1', { before: rel.next })).items.map((r) => r.number)).toEqual([1]);
      expect((await m.apis.latestRelease('orders-v1'))?.notes).toBe('fix');
      await m.apis.insert({ id: 'web-bff', teamId: 'web', name: 'BFF', state: 'draft', visibility: 'private', approval: 'auto', subscriptionRequired: false, definition: {} });
      expect((await m.apis.list({ teams: ['web'] })).items.map((x) => x.id)).toEqual(['web-bff']);
      expect((await m.apis.list({ states: ['published'] })).items.map((x) => x.id)).toEqual(['orders-v1']);
      expect((await m.apis.list({ q: 'Ord' })).items.map((x) => x.id)).toEqual(['orders-v1']);
      expect(await m.apis.countByTeam('payments')).toBe(1);
    });

    t('consumers, credentials (cascade) and subscriptions (one per pair, team visibility)', async () => {
      const m = store.management;
      await m.consumers.insert({ id: 'shop', teamId: 'web', name: 'Shop', groups: ['gold'] });
      await m.consumers.insertCredential({ id: 'cred_1', consumerId: 'shop', type: 'key-auth', fields: { key_hash: 'h' }, display: { prefix: 'sk_ab' } });
      expect(await m.consumers.credentials('shop')).toMatchObject([{ id: 'cred_1', fields: { key_hash: 'h' }, display: { prefix: 'sk_ab' } }]);
      await m.consumers.updateCredential('cred_1', { fields: { key_hash: 'h2' }, expiresAt: 99 });
      expect(await m.consumers.credential('cred_1')).toMatchObject({ fields: { key_hash: 'h2' }, expiresAt: 99 });
      const c2 = await m.consumers.update('shop', { groups: ['gold', 'beta'] }, 1);
      expect(c2?.groups).toEqual(['gold', 'beta']);
      await m.consumers.touch('shop');
      expect((await m.consumers.get('shop'))?.version).toBe(3);

      const s = await m.subscriptions.insert({ id: 'sub_1', apiId: 'orders-v1', consumerId: 'shop', state: 'pending', reason: 'checkout' });
      await expect(m.subscriptions.insert({ id: 'sub_2', apiId: 'orders-v1', consumerId: 'shop', state: 'pending' })).rejects.toBeInstanceOf(ConflictError);
      const ok = await m.subscriptions.update(s.id, { state: 'approved', comment: 'fine', decidedBy: 'usr_1', decidedAt: 3 }, 1);
      expect(ok).toMatchObject({ state: 'approved', comment: 'fine', decidedAt: 3, version: 2 });
      await expect(m.subscriptions.update(s.id, { state: 'revoked' }, 1)).rejects.toBeInstanceOf(StaleEntityError);
      expect((await m.subscriptions.list({ teams: ['payments'] })).items.map((x) => x.id)).toEqual(['sub_1']); // API side
      expect((await m.subscriptions.list({ teams: ['web'] })).items.map((x) => x.id)).toEqual(['sub_1']); // consumer side
      expect((await m.subscriptions.list({ teams: ['other'] })).items).toEqual([]);
      expect((await m.subscriptions.list({ apiTeam: 'payments', state: 'approved' })).items).toHaveLength(1);
      expect((await m.subscriptions.list({ consumerTeam: 'payments' })).items).toHaveLength(0);
      expect((await m.subscriptions.byPair('orders-v1', 'shop'))?.id).toBe('sub_1');

      expect(await m.consumers.delete('shop')).toBe(true);
      expect(await m.consumers.credential('cred_1')).toBeUndefined();
      expect(await m.subscriptions.get('sub_1')).toBeUndefined();
    });

    t('audit log: newest first, filters, cursor', async () => {
      const m = store.management;
      for (let i = 0; i < 3; i++) {
        await m.audit.insert({ actor: { type: 'user', id: 'usr_1', name: 'alice@example.com' }, action: i === 2 ? 'api.publish' : 'api.update', resource: { type: 'api', id: 'orders-v1' }, teamId: 'payments', before: { i }, after: { i: i + 1 }, requestId: `r${i}` });
        await new Promise((r) => setTimeout(r, 2));
      }
      await m.audit.insert({ actor: { type: 'local' }, action: 'team.create', resource: { type: 'team', id: 'web' }, teamId: 'web' });
      const all = await m.audit.list({ limit: 2 });
      expect(all.items.map((e) => e.action)).toEqual(['team.create', 'api.publish']);
      expect((await m.audit.list({ before: all.next })).items.map((e) => e.action)).toEqual(['api.update', 'api.update']);
      expect((await m.audit.list({ teams: ['payments'], action: 'api.*' })).items).toHaveLength(3);
      expect((await m.audit.list({ actor: 'alice@example.com', action: 'api.publish' })).items[0]).toMatchObject({ before: { i: 2 }, after: { i: 3 }, requestId: 'r2' });
      expect((await m.audit.list({ resourceType: 'team' })).items[0]?.actor).toEqual({ type: 'local' });
    });

    t('webhooks: create, update with version, delivery record, team filter', async () => {
      const m = store.management;
      const w = await m.webhooks.insert({ id: 'whk_1', teamId: 'payments', url: 'http://127.0.0.1:1/h', secret: 's', events: ['subscription.*'] });
      expect(w).toMatchObject({ active: true, events: ['subscription.*'] });
      await m.webhooks.recordDelivery('whk_1', { at: 1, event: 'subscription.approved', status: 204 });
      expect((await m.webhooks.update('whk_1', { active: false }, 1))?.active).toBe(false);
      await expect(m.webhooks.update('whk_1', { active: true }, 1)).rejects.toBeInstanceOf(StaleEntityError);
      expect((await m.webhooks.list(['payments']))[0]?.lastDelivery).toEqual({ at: 1, event: 'subscription.approved', status: 204 });
      expect(await m.webhooks.list(['web'])).toEqual([]);
    });

    t('transactions commit together or not at all', async () => {
      const m = store.management;
      await expect(
        m.transaction(async (tx) => {
          await tx.teams.insert({ id: 'rolled-back', name: 'x' });
          await tx.audit.insert({ actor: { type: 'local' }, action: 'team.create', resource: { type: 'team', id: 'rolled-back' } });
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await m.teams.get('rolled-back')).toBeUndefined();
      expect((await m.audit.list({ resourceId: 'rolled-back' })).items).toEqual([]);
      await m.transaction(async (tx) => {
        await tx.teams.insert({ id: 'committed', name: 'x' });
      });
      expect(await m.teams.get('committed')).toBeDefined();
    });

    t('a team that still owns APIs cannot be deleted (foreign key)', async () => {
      await expect(store.management.teams.delete('payments')).rejects.toThrow();
      expect(await store.management.teams.get('payments')).toBeDefined();
    });

    t('lists, filters and clean-up of every management repository', async () => {
      const m = store.management;
      await m.users.insert({ id: 'usr_4', email: 'carol@example.com' });
      const page = await m.users.list({ limit: 1 });
      expect(page.items.map((u) => u.id)).toEqual(['usr_1']);
      expect((await m.users.list({ after: page.next })).items.map((u) => u.id)).toEqual(['usr_4']);
      expect((await m.users.list({ email: 'CAROL' })).items.map((u) => u.email)).toEqual(['carol@example.com']);
      expect((await m.users.all()).map((u) => u.email)).toEqual(['alice@example.com', 'carol@example.com']);
      await m.teams.setMember('web', 'usr_4', 'viewer');
      await m.teams.setMember('payments', 'usr_1', 'admin');
      expect((await m.teams.allMembers()).map((x) => [x.teamId, x.userId, x.role])).toEqual([['payments', 'usr_1', 'admin'], ['web', 'usr_4', 'viewer']]);
      await m.users.insertSession({ idHash: 's9', userId: 'usr_4', csrfHash: 'c', createdAt: 1, expiresAt: 10 ** 13, lastSeenAt: 1 });
      await m.users.deleteSessionsOf('usr_4');
      expect(await m.users.sessionByHash('s9')).toBeUndefined();

      await m.consumers.insert({ id: 'app-a', teamId: 'web', name: 'Alpha' });
      await m.consumers.insert({ id: 'app-b', teamId: 'payments', name: 'Beta', policies: [{ name: 'rate-limit' }] });
      expect((await m.consumers.list({ team: 'web' })).items.map((c) => c.id)).toEqual(['app-a']);
      expect((await m.consumers.list({ q: 'bet' })).items.map((c) => c.id)).toEqual(['app-b']);
      expect((await m.consumers.list({ teams: [] })).items).toEqual([]);
      expect((await m.consumers.all()).map((c) => c.id)).toEqual(['app-a', 'app-b']);
      expect((await m.consumers.get('app-b'))?.policies).toEqual([{ name: 'rate-limit' }]);
      await m.consumers.insertCredential({ id: 'cred_b', consumerId: 'app-b', type: 'key-auth', fields: { key_hash: 'x' }, display: {} });
      await m.consumers.insertCredential({ id: 'cred_a', consumerId: 'app-a', type: 'jwt', fields: { subject: 's' }, display: { subject: 's' } });
      expect((await m.consumers.allCredentials()).map((c) => [c.consumerId, c.id])).toEqual([['app-a', 'cred_a'], ['app-b', 'cred_b']]);
      expect(await m.consumers.countByTeam('web')).toBe(1);
      expect(await m.consumers.deleteCredential('cred_b')).toBe(true);
      expect(await m.consumers.credentials('app-b')).toEqual([]);

      await m.subscriptions.insert({ id: 'sub_a', apiId: 'orders-v1', consumerId: 'app-a', state: 'pending' });
      await m.subscriptions.insert({ id: 'sub_b', apiId: 'orders-v1', consumerId: 'app-b', state: 'approved', decidedBy: 'x', decidedAt: 5 });
      const subs = await m.subscriptions.list({ limit: 1 });
      expect(subs.items.map((x) => x.id)).toEqual(['sub_a']);
      expect((await m.subscriptions.list({ after: subs.next })).items.map((x) => x.id)).toEqual(['sub_b']);
      expect((await m.subscriptions.all()).map((x) => x.state)).toEqual(['pending', 'approved']);
      expect(await m.subscriptions.delete('sub_a')).toBe(true);
      expect(await m.subscriptions.byPair('orders-v1', 'app-a')).toBeUndefined();

      expect((await m.webhooks.get('whk_1'))?.url).toBe('http://127.0.0.1:1/h');
      expect(await m.webhooks.delete('whk_1')).toBe(true);
      expect(await m.webhooks.get('whk_1')).toBeUndefined();

      expect((await m.apis.all()).map((a) => a.id)).toEqual(['orders-v1', 'web-bff']);
      expect(await m.apis.delete('orders-v1')).toBe(true);
      expect(await m.apis.releases('orders-v1')).toEqual({ items: [] });
      expect(await m.subscriptions.get('sub_b')).toBeUndefined(); // cascade

      const since = Date.now();
      await m.audit.insert({ actor: { type: 'user', id: 'usr_4' }, action: 'consumer.create', resource: { type: 'consumer', id: 'app-a' }, teamId: 'web', ip: '127.0.0.1' });
      const recent = await m.audit.list({ since, resourceId: 'app-a' });
      expect(recent.items).toMatchObject([{ action: 'consumer.create', actor: { type: 'user', id: 'usr_4' }, ip: '127.0.0.1' }]);
    });

    t('a read-then-write transaction survives another writer committing in between', async () => {
      let late: Promise<unknown> = Promise.resolve();
      await store.management.transaction(async (tx) => {
        const before = await tx.teams.get('web');
        // Another process (the telemetry worker, a second Sluice) writes meanwhile; SQLite makes it wait.
        late = o.writeElsewhere(`team-${o.name}`);
        await Promise.race([late, new Promise((r) => setTimeout(r, 700))]);
        await tx.teams.update('web', { description: `${before?.description ?? ''}!` });
      });
      await late;
      expect((await store.management.teams.get('web'))?.description).toBe('front!');
      expect(await store.management.getMeta(`team-${o.name}`)).toBe('written elsewhere');
    });
  });
}

let sqliteFile = '';
let pgSchema = '';
const execFileAsync = promisify(execFile);

runContract({
  name: 'sqlite',
  open: async () => {
    sqliteFile = join(await mkdtemp(join(tmpdir(), 'sluice-store-')), 'sluice.db');
    return { store: await Store.open({ url: sqliteFile }), cleanup: () => rm(dirname(sqliteFile), { recursive: true, force: true }) };
  },
  // better-sqlite3 blocks its thread while it waits for a lock: the other writer is another process.
  writeElsewhere: (key) =>
    execFileAsync(process.execPath, ['-e', `const db = new (require('better-sqlite3'))(process.argv[1]); db.pragma('busy_timeout = 5000'); db.prepare("insert into meta (key, value) values (?, 'written elsewhere')").run(process.argv[2]);`, sqliteFile, key]),
});

runContract({
  name: 'postgres',
  skip: async () => !(await hasPostgres()),
  open: async () => {
    const { schema, drop } = await freshPgSchema('store');
    pgSchema = schema;
    return { store: await Store.open({ url: PG_URL, schema }), cleanup: drop };
  },
  writeElsewhere: async (key) => {
    const c = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${pgSchema}` });
    await c.connect();
    try {
      await c.query("insert into meta (key, value) values ($1, 'written elsewhere')", [key]);
    } finally {
      await c.end();
    }
  },
});
