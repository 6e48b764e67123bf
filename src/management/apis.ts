import { Value } from '@sinclair/typebox/value';
import { canonicalJson } from '../config/resolve.js';
import type { ApiRecord, ApiRelease, ManagementTables, Page } from '../store/management/index.js';
import { requireTeamRole, visibleTeam } from './access.js';
import type { Actor } from './audit.js';
import type { Entities } from './compose.js';
import { ApiDefinitionSchema, MANAGED_POLICIES, type ApiDefinition, type ApiState, type Deprecation } from './definition.js';
import { diffJson } from './diff.js';
import { invalidState, ManagementError, notFound } from './errors.js';
import type { ManagementPlane, WriteContext } from './plane.js';
import { presentApi, presentRelease } from './present.js';
import { readableTeams, teamRole, type Principal } from './roles.js';

export interface ApiInput {
  readonly id: string;
  readonly team: string;
  readonly name: string;
  readonly version?: string;
  readonly description?: string;
  readonly visibility?: 'public' | 'private';
  readonly approval?: 'auto' | 'manual';
  readonly subscription_required?: boolean;
  readonly definition?: Partial<ApiDefinition>;
}

export type ApiPatchInput = Partial<Omit<ApiInput, 'id' | 'team' | 'version' | 'description'>> & { version?: string | null; description?: string | null };

const audited = (a: ApiRecord) => presentApi(a);
const EVENTS: Record<string, string> = { 'api.publish': 'api.published', 'api.rollback': 'api.rolled_back', 'api.deprecate': 'api.deprecated', 'api.undeprecate': 'api.undeprecated', 'api.retire': 'api.retired' };
const LIVE: readonly string[] = ['published', 'deprecated', 'retired'];

export async function listApis(m: ManagementPlane, p: Principal, q: { team?: string; state?: string; q?: string; limit?: number; after?: string }): Promise<Page<ApiRecord>> {
  const teams = readableTeams(p);
  return m.tables.apis.list({ ...q, ...(teams ? { teams } : {}), ...(q.state ? { states: [q.state] } : {}) });
}

/** The API when the principal's team role allows at least viewing it (404 otherwise). */
export async function readApi(tables: ManagementTables, p: Principal, id: string): Promise<ApiRecord> {
  const api = await tables.apis.get(id);
  if (!api || !teamRole(p, api.teamId)) throw notFound('API', id);
  return api;
}

export function normalizeDefinition(def: Partial<ApiDefinition> | undefined): ApiDefinition {
  return Value.Default(ApiDefinitionSchema, structuredClone(def ?? {})) as ApiDefinition;
}

/** Checks that need more than the schema: managed policies, route ids, authentication when subscriptions are required. */
export function checkDefinition(m: ManagementPlane, def: ApiDefinition, subscriptionRequired: boolean, base: { policies?: { name: string; enabled?: boolean }[] }): void {
  const errors: { path: string; message: string }[] = [];
  const managed = (list: readonly { name: string }[] | undefined, path: string) =>
    list?.forEach((x, i) => {
      if (MANAGED_POLICIES.has(x.name)) errors.push({ path: `${path}[${i}].name`, message: `${x.name} is attached by Sluice from the API's lifecycle and subscriptions; remove it here` });
    });
  managed(def.policies, 'definition.policies');
  const ids = new Set<string>();
  def.routes.forEach((r, i) => {
    managed(r.policies, `definition.routes[${i}].policies`);
    if (ids.has(r.id)) errors.push({ path: `definition.routes[${i}].id`, message: `duplicate route id ${JSON.stringify(r.id)}` });
    ids.add(r.id);
  });
  if (subscriptionRequired && def.routes.length > 0) {
    const isAuth = (x: { name: string; enabled?: boolean }) => x.enabled !== false && m.host.assembly.registry.policies.get(x.name)?.phase === 'authenticate';
    const covered = (base.policies ?? []).some(isAuth) || (def.policies ?? []).some(isAuth) || def.routes.every((r) => (r.policies ?? []).some(isAuth));
    if (!covered) errors.push({ path: 'definition.policies', message: 'an API that requires subscriptions needs an authentication policy (key-auth, basic-auth, jwt, hmac-auth…) so that calls identify their consumer' });
  }
  if (errors.length) throw new ManagementError('admin.invalid_config', 'The API definition is invalid; nothing changed.', errors);
}

/** Validates a draft as if it were live: schema checks, then the whole gateway config compiled with it. */
async function checkDraft(m: ManagementPlane, tx: ManagementTables, api: ApiRecord, def: ApiDefinition): Promise<void> {
  checkDefinition(m, def, api.subscriptionRequired, await m.baseDocument(tx));
  const live = api.state === 'draft' ? 'published' : api.state;
  await m.validate(tx, (e: Entities) => ({
    ...e,
    apis: e.apis.some((a) => a.id === api.id) ? e.apis.map((a) => (a.id === api.id ? { ...api, state: live, definition: def } : a)) : [...e.apis, { ...api, state: live }],
    releases: new Map([...e.releases, [api.id, { apiId: api.id, number: 0, snapshot: def, diff: [], createdAt: 0 }]]),
  }));
}

export async function createApi(m: ManagementPlane, actor: Actor, input: ApiInput): Promise<ApiRecord> {
  m.requireStoreMode();
  return m.write(actor, { dataPlane: false, message: `api.create ${input.id}` }, async ({ tx, audit }) => {
    await visibleTeam(tx, actor.principal, input.team);
    requireTeamRole(actor.principal, input.team, 'editor', { kind: 'team', id: input.team });
    const definition = normalizeDefinition(input.definition);
    const api = await tx.apis.insert({
      id: input.id,
      teamId: input.team,
      name: input.name,
      ...(input.version ? { versionLabel: input.version } : {}),
      ...(input.description ? { description: input.description } : {}),
      state: 'draft',
      visibility: input.visibility ?? 'public',
      approval: input.approval ?? 'manual',
      subscriptionRequired: input.subscription_required ?? true,
      definition,
    });
    await checkDraft(m, tx, api, definition);
    audit({ action: 'api.create', resource: { type: 'api', id: api.id }, teamId: api.teamId, after: audited(api) });
    return api;
  });
}

export async function updateApi(m: ManagementPlane, actor: Actor, id: string, patch: ApiPatchInput, ifMatch?: number): Promise<ApiRecord> {
  m.requireStoreMode();
  const current = await readApi(m.tables, actor.principal, id);
  return m.write(actor, { dataPlane: current.liveRelease !== undefined, message: `api.update ${id}` }, async ({ tx, audit }) => {
    const before = await readApi(tx, actor.principal, id);
    requireTeamRole(actor.principal, before.teamId, 'editor', { kind: 'API', id });
    if (before.state === 'retired' && patch.definition) throw invalidState(`API ${id} is retired; its definition can no longer change.`);
    const definition = patch.definition ? normalizeDefinition(patch.definition) : undefined;
    const after = (await tx.apis.update(
      id,
      {
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.version !== undefined ? { versionLabel: patch.version } : {}),
        ...(patch.description !== undefined ? { description: patch.description } : {}),
        ...(patch.visibility !== undefined ? { visibility: patch.visibility } : {}),
        ...(patch.approval !== undefined ? { approval: patch.approval } : {}),
        ...(patch.subscription_required !== undefined ? { subscriptionRequired: patch.subscription_required } : {}),
        ...(definition ? { definition } : {}),
      },
      ifMatch,
    ))!;
    await checkDraft(m, tx, after, after.definition as ApiDefinition);
    audit({ action: 'api.update', resource: { type: 'api', id }, teamId: after.teamId, before: audited(before), after: audited(after) });
    return after;
  });
}

export async function deleteApi(m: ManagementPlane, actor: Actor, id: string, ifMatch?: number): Promise<void> {
  m.requireStoreMode();
  const current = await readApi(m.tables, actor.principal, id);
  await m.write(actor, { dataPlane: current.liveRelease !== undefined, message: `api.delete ${id}` }, async ({ tx, audit }) => {
    const before = await readApi(tx, actor.principal, id);
    requireTeamRole(actor.principal, before.teamId, 'admin', { kind: 'API', id });
    if (ifMatch !== undefined && ifMatch !== before.version) throw stale(before, ifMatch);
    if (before.state !== 'draft' && before.state !== 'retired') throw invalidState(`API ${id} is ${before.state}; retire it first (consumers get 410 meanwhile), then delete it.`);
    await tx.apis.delete(id);
    audit({ action: 'api.delete', resource: { type: 'api', id }, teamId: before.teamId, before: audited(before) });
  });
}

function stale(a: ApiRecord, expected: number): ManagementError {
  return new ManagementError('admin.precondition_failed', `API ${a.id} changed since revision ${expected}; it is now ${a.version}.`, undefined, { etag: `"${a.version}"` });
}

/** Shared frame of the lifecycle actions: admin role, If-Match, audit, webhook event, one recompile. */
async function lifecycle<T>(
  m: ManagementPlane,
  actor: Actor,
  id: string,
  action: string,
  ifMatch: number | undefined,
  fn: (ctx: WriteContext, api: ApiRecord) => Promise<{ api: ApiRecord; result: T; event?: Record<string, unknown>; noop?: boolean }>,
): Promise<T> {
  m.requireStoreMode();
  return m.write(actor, { dataPlane: true, message: `${action} ${id}` }, async (ctx) => {
    const before = await readApi(ctx.tx, actor.principal, id);
    requireTeamRole(actor.principal, before.teamId, 'admin', { kind: 'API', id });
    if (ifMatch !== undefined && ifMatch !== before.version) throw stale(before, ifMatch);
    const { api, result, event, noop } = await fn(ctx, before);
    if (noop) return result;
    ctx.audit({ action, resource: { type: 'api', id }, teamId: api.teamId, before: audited(before), after: audited(api) });
    ctx.emit({ type: EVENTS[action] ?? action, teams: [api.teamId], data: { api: id, state: api.state, ...event } });
    return result;
  });
}

/** Freezes the draft as a new immutable release (with its diff) and makes it live. Idempotent. */
export function publishApi(m: ManagementPlane, actor: Actor, id: string, o: { notes?: string } = {}, ifMatch?: number): Promise<{ api: ApiRecord; release: ApiRelease; created: boolean }> {
  return lifecycle<{ api: ApiRecord; release: ApiRelease; created: boolean }>(m, actor, id, 'api.publish', ifMatch, async ({ tx }, api) => {
    if (api.state === 'retired') throw invalidState(`API ${id} is retired; create a new API (e.g. a new version) instead.`);
    const def = api.definition as ApiDefinition;
    checkDefinition(m, def, api.subscriptionRequired, await m.baseDocument(tx));
    const prev = await tx.apis.latestRelease(id);
    if (prev && api.liveRelease === prev.number && api.state !== 'draft' && canonicalJson(prev.snapshot) === canonicalJson(def)) {
      return { api, result: { api, release: prev, created: false }, noop: true };
    }
    const release = await tx.apis.insertRelease({ apiId: id, number: (prev?.number ?? 0) + 1, snapshot: def, diff: diffJson(prev?.snapshot ?? {}, def), ...(o.notes ? { notes: o.notes } : {}), author: actor.principal.name });
    const after = (await tx.apis.update(id, { state: api.state === 'draft' ? 'published' : api.state, liveRelease: release.number }))!;
    return { api: after, result: { api: after, release, created: true }, event: { release: release.number } };
  });
}

/** Makes an earlier release live again, as a new release (history stays append-only). The draft is left as it is. */
export function rollbackApi(m: ManagementPlane, actor: Actor, id: string, number: number, o: { notes?: string } = {}, ifMatch?: number): Promise<{ api: ApiRecord; release: ApiRelease }> {
  return lifecycle(m, actor, id, 'api.rollback', ifMatch, async ({ tx }, api) => {
    if (api.state === 'draft' || api.state === 'retired') throw invalidState(`API ${id} is ${api.state}; only a published or deprecated API can be rolled back.`);
    const target = await tx.apis.release(id, number);
    if (!target) throw notFound('release', `${id}#${number}`);
    const prev = (await tx.apis.latestRelease(id))!;
    const release = await tx.apis.insertRelease({ apiId: id, number: prev.number + 1, snapshot: target.snapshot, diff: diffJson(prev.snapshot, target.snapshot), notes: o.notes ?? `rollback to release ${number}`, author: actor.principal.name });
    const after = (await tx.apis.update(id, { liveRelease: release.number }))!;
    return { api: after, result: { api: after, release }, event: { release: release.number, rolled_back_to: number } };
  });
}

function checkTime(v: string | undefined, path: string): void {
  if (v !== undefined && Number.isNaN(Date.parse(v))) throw new ManagementError('admin.invalid_request', `${path} is not a valid time`, [{ path, message: 'must be an RFC 3339 time such as "2030-01-31T00:00:00Z"' }]);
}

export function deprecateApi(m: ManagementPlane, actor: Actor, id: string, o: { deprecated_at?: string; sunset_at?: string; link?: string; successor?: string }, ifMatch?: number): Promise<ApiRecord> {
  checkTime(o.deprecated_at, 'deprecated_at');
  checkTime(o.sunset_at, 'sunset_at');
  const deprecatedAt = o.deprecated_at ?? new Date().toISOString();
  if (o.sunset_at && Date.parse(o.sunset_at) < Date.parse(deprecatedAt)) throw new ManagementError('admin.invalid_request', 'sunset_at is before deprecated_at', [{ path: 'sunset_at', message: 'must not be before deprecated_at' }]);
  return lifecycle(m, actor, id, 'api.deprecate', ifMatch, async ({ tx }, api) => {
    if (api.state !== 'published' && api.state !== 'deprecated') throw invalidState(`API ${id} is ${api.state}; only a published API can be deprecated.`);
    const deprecation: Deprecation = { deprecated_at: deprecatedAt, ...(o.sunset_at ? { sunset_at: o.sunset_at } : {}), ...(o.link ? { link: o.link } : {}), ...(o.successor ? { successor: o.successor } : {}) };
    const after = (await tx.apis.update(id, { state: 'deprecated', deprecation }))!;
    return { api: after, result: after, event: { ...deprecation } };
  });
}

export function undeprecateApi(m: ManagementPlane, actor: Actor, id: string, ifMatch?: number): Promise<ApiRecord> {
  return lifecycle(m, actor, id, 'api.undeprecate', ifMatch, async ({ tx }, api) => {
    if (api.state !== 'deprecated') throw invalidState(`API ${id} is ${api.state}, not deprecated.`);
    const after = (await tx.apis.update(id, { state: 'published', deprecation: null }))!;
    return { api: after, result: after };
  });
}

/** Retired: the routes stay and answer 410 api.retired (clearer than a 404), until the API is deleted. */
export function retireApi(m: ManagementPlane, actor: Actor, id: string, o: { successor?: string } = {}, ifMatch?: number): Promise<ApiRecord> {
  return lifecycle(m, actor, id, 'api.retire', ifMatch, async ({ tx }, api) => {
    if (api.state !== 'published' && api.state !== 'deprecated') throw invalidState(`API ${id} is ${api.state}; only a published or deprecated API can be retired.`);
    const now = new Date().toISOString();
    const prev = (api.deprecation ?? {}) as Partial<Deprecation>;
    const deprecation: Deprecation = { ...prev, deprecated_at: prev.deprecated_at ?? now, retired_at: now, ...(o.successor ?? prev.successor ? { successor: o.successor ?? prev.successor } : {}) };
    const after = (await tx.apis.update(id, { state: 'retired', deprecation }))!;
    return { api: after, result: after };
  });
}

export async function listReleases(m: ManagementPlane, p: Principal, id: string, q: { limit?: number; before?: number }) {
  await readApi(m.tables, p, id);
  const page = await m.tables.apis.releases(id, q);
  return { items: page.items.map((r) => presentRelease(r, false)), next_before: page.next };
}

export async function getRelease(m: ManagementPlane, p: Principal, id: string, number: number): Promise<ApiRelease> {
  await readApi(m.tables, p, id);
  const r = await m.tables.apis.release(id, number);
  if (!r) throw notFound('release', `${id}#${number}`);
  return r;
}

/** States in which an API is served by the gateway. */
export function isLive(state: string): state is Exclude<ApiState, 'draft'> {
  return LIVE.includes(state);
}
