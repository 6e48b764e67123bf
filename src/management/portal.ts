import type { ApiRecord, ConsumerRecord, SubscriptionRecord } from '../store/management/index.js';
import type { Actor } from './audit.js';
import { createConsumer, createCredential } from './consumers.js';
import { deprecationOf, type ApiDefinition } from './definition.js';
import { forbidden, invalid, notFound } from './errors.js';
import type { ManagementPlane } from './plane.js';
import { iso, presentCredential } from './present.js';
import { can, type Principal } from './roles.js';
import { discoverable, requestSubscription } from './subscriptions.js';

/**
 * The developer portal: what a developer sees and does, scoped to the teams they belong to. The
 * catalog lists the published and deprecated APIs they may discover (public ones, and their own
 * teams' private ones) with their docs; "my applications" are their teams' consumers.
 */

const CATALOG_STATES = ['published', 'deprecated'];

function myTeams(p: Principal): string[] {
  return [...p.teams.keys()];
}

function catalogEntry(a: ApiRecord, subs: readonly SubscriptionRecord[]) {
  const def = a.definition as ApiDefinition;
  const d = deprecationOf(a);
  return {
    id: a.id,
    name: a.name,
    version: a.versionLabel,
    description: a.description,
    team: a.teamId,
    state: a.state,
    base_path: def.base_path,
    approval: a.approval,
    subscription_required: a.subscriptionRequired,
    ...(d ? { deprecation: { deprecated_at: d.deprecated_at, sunset_at: d.sunset_at, successor: d.successor, link: d.link } } : {}),
    docs: `/portal/apis/${encodeURIComponent(a.id)}/openapi`,
    my_subscriptions: subs.filter((s) => s.apiId === a.id).map((s) => ({ id: s.id, consumer: s.consumerId, state: s.state, comment: s.comment, decided_at: iso(s.decidedAt) })),
  };
}

async function mySubscriptions(m: ManagementPlane, p: Principal): Promise<SubscriptionRecord[]> {
  const out: SubscriptionRecord[] = [];
  for (const team of myTeams(p)) {
    let after: string | undefined;
    do {
      const page = await m.tables.subscriptions.list({ consumerTeam: team, limit: 500, ...(after ? { after } : {}) });
      out.push(...page.items);
      after = page.next;
    } while (after);
  }
  return out;
}

/** Published APIs the developer may discover (one page; `next` is the cursor). */
export async function catalog(m: ManagementPlane, p: Principal, q: { q?: string; limit?: number; after?: string }) {
  const page = await m.tables.apis.list({ states: CATALOG_STATES, ...(q.q ? { q: q.q } : {}), ...(q.limit ? { limit: q.limit } : {}), ...(q.after ? { after: q.after } : {}) });
  const subs = await mySubscriptions(m, p);
  return { items: page.items.filter((a) => discoverable(p, a)).map((a) => catalogEntry(a, subs)), next: page.next };
}

export async function catalogApi(m: ManagementPlane, p: Principal, id: string) {
  const a = await m.tables.apis.get(id);
  if (!a || !CATALOG_STATES.includes(a.state) || !discoverable(p, a)) throw notFound('API', id);
  const rel = a.liveRelease !== undefined ? await m.tables.apis.release(a.id, a.liveRelease) : undefined;
  const def = (rel?.snapshot ?? a.definition) as ApiDefinition;
  const routes = def.routes.map((r) => ({ id: r.id, name: r.name, methods: r.methods ?? ['*'], paths: r.paths.map((x) => `${def.base_path.replace(/\/+$/, '')}${x === '/' ? '' : x}` || '/') }));
  return { ...catalogEntry(a, await mySubscriptions(m, p)), release: rel?.number ?? null, routes };
}

/** Subscribes one of the developer's applications to a catalog API. */
export async function subscribe(m: ManagementPlane, actor: Actor, apiId: string, input: { application: string; reason?: string }) {
  const a = await m.tables.apis.get(apiId);
  if (!a || !CATALOG_STATES.includes(a.state) || !discoverable(actor.principal, a)) throw notFound('API', apiId);
  return requestSubscription(m, actor, { api: apiId, consumer: input.application, ...(input.reason ? { reason: input.reason } : {}) });
}

async function presentApplication(m: ManagementPlane, c: ConsumerRecord, subs: readonly SubscriptionRecord[]) {
  const creds = await m.tables.consumers.credentials(c.id);
  return {
    id: c.id,
    team: c.teamId,
    name: c.name,
    description: c.description,
    keys: creds.map(presentCredential),
    subscriptions: subs.filter((s) => s.consumerId === c.id).map((s) => ({ id: s.id, api: s.apiId, state: s.state, reason: s.reason, comment: s.comment, decided_at: iso(s.decidedAt) })),
    created_at: iso(c.createdAt),
    revision: c.version,
  };
}

/** The developer's applications (their teams' consumers) with their keys and subscriptions. */
export async function myApplications(m: ManagementPlane, p: Principal) {
  const teams = myTeams(p);
  if (teams.length === 0) return { items: [] };
  const apps: ConsumerRecord[] = [];
  let after: string | undefined;
  do {
    const page = await m.tables.consumers.list({ teams, limit: 500, ...(after ? { after } : {}) });
    apps.push(...page.items);
    after = page.next;
  } while (after);
  const subs = await mySubscriptions(m, p);
  return { items: await Promise.all(apps.map((c) => presentApplication(m, c, subs))) };
}

export async function myApplication(m: ManagementPlane, p: Principal, id: string) {
  const c = await m.tables.consumers.get(id);
  if (!c || !p.teams.has(c.teamId)) throw notFound('application', id);
  return presentApplication(m, c, await mySubscriptions(m, p));
}

/**
 * A new application in one of the developer's teams (the only one, or `team`), optionally with a
 * first API key: its value is in `key`, this once.
 */
export async function createApplication(m: ManagementPlane, actor: Actor, input: { id: string; team?: string; name?: string; description?: string; key?: boolean }) {
  const p = actor.principal;
  const teams = myTeams(p).filter((t) => can(p, t, 'editor'));
  const team = input.team ?? (teams.length === 1 ? teams[0] : undefined);
  if (!team) {
    if (teams.length === 0) throw forbidden('Creating an application needs the editor role on a team; you have none.');
    throw invalid('team', `you are an editor of several teams (${teams.join(', ')}); name one`);
  }
  const c = await createConsumer(m, actor, { id: input.id, team, ...(input.name ? { name: input.name } : {}), ...(input.description ? { description: input.description } : {}) });
  const issued = input.key === false ? undefined : await createCredential(m, actor, c.id, { type: 'key-auth' });
  const view = await myApplication(m, p, c.id);
  return { ...view, ...(issued?.secret?.['key'] ? { key: issued.secret['key'], key_id: issued.credential.id } : {}) };
}

/** A new API key for one of the developer's applications (shown once). */
export async function createKey(m: ManagementPlane, actor: Actor, appId: string, input: { expires_at?: string; scopes?: readonly string[] }) {
  await myApplication(m, actor.principal, appId);
  const r = await createCredential(m, actor, appId, { type: 'key-auth', ...input });
  return { ...presentCredential(r.credential), key: r.secret?.['key'] };
}

/** Usage per application, from the analytics rollups (requests, denials, errors, latency, tokens, per API). */
export async function myUsage(m: ManagementPlane, p: Principal, q: { from: number; to: number; application?: string }) {
  const apps = q.application ? [(await myApplication(m, p, q.application)).id] : (await myApplications(m, p)).items.map((a) => a.id);
  const t = m.host.telemetry;
  const range = { from: new Date(q.from).toISOString(), to: new Date(q.to).toISOString() };
  if (!t) return { ...range, source: 'none', note: 'This Sluice runs without telemetry; no usage is recorded.', applications: apps.map((id) => ({ application: id, totals: null, by_api: [] })) };
  const applications = [];
  for (const id of apps) {
    const filter = { from: q.from, to: q.to, consumer: id };
    const [summary, top] = await Promise.all([t.analytics({ kind: 'summary', filter }), t.analytics({ kind: 'top', filter, by: 'api', metric: 'requests', limit: 50 })]);
    applications.push({
      application: id,
      totals: { requests: summary.totals.requests, denied: summary.totals.denied, errors: summary.totals.errors, tokens_input: summary.totals.tokens_input, tokens_output: summary.totals.tokens_output, cost: summary.totals.cost },
      latency_ms: summary.latency_ms,
      statuses: summary.statuses,
      codes: summary.codes,
      by_api: top.items.map((i) => ({ api: i.key, requests: i.value, denied: i.denied ?? 0, errors: (i.client_errors ?? 0) + (i.server_errors ?? 0) })),
    });
  }
  return { ...range, source: 'analytics', applications };
}
