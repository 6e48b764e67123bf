import { canonicalJson } from '../config/resolve.js';
import type { ConfigDocument } from '../config/schema.js';
import type { ManagementTables } from '../store/management/index.js';
import { normalizeDefinition } from './apis.js';
import { exportableFields } from './credentials.js';
import type { ApiDefinition, Deprecation } from './definition.js';
import { isSecretKey, redact } from './audit.js';
import { diffJson, type Change } from './diff.js';
import { sha256 } from './secrets.js';

/**
 * The whole state as one YAML/JSON document (`sluice config export` / `apply`): the operator's
 * config document at the top level — as `GET /config` shows it, minus what the management plane
 * generates — plus a `management` section with users, teams, APIs, consumers, subscriptions and
 * webhooks. Never a secret: no password or password hash, no webhook secret; key-auth keys only as
 * their SHA-256 (what the gateway stores anyway).
 */

export interface UserState { email: string; name?: string; role?: string; disabled?: boolean }
export interface TeamState { id: string; name: string; description?: string; members?: { user: string; role: string }[] }
export interface ApiState {
  id: string;
  team: string;
  name: string;
  version?: string;
  description?: string;
  visibility?: string;
  approval?: string;
  subscription_required?: boolean;
  /** draft, published, deprecated, retired. */
  state?: string;
  deprecation?: Partial<Deprecation>;
  /** What is live (the live release's snapshot); for a draft, the draft. */
  definition?: Partial<ApiDefinition>;
  /** The working definition, when it differs from what is live. */
  draft?: Partial<ApiDefinition>;
}
export interface CredentialState { id: string; type: string; [field: string]: unknown }
export interface ConsumerState { id: string; team: string; name?: string; description?: string; groups?: string[]; policies?: unknown[]; credentials?: CredentialState[] }
export interface SubscriptionState { api: string; consumer: string; state: string; reason?: string; comment?: string }
export interface WebhookState { team: string; url: string; events?: string[]; active?: boolean }

export interface ManagementState {
  users?: UserState[];
  teams?: TeamState[];
  apis?: ApiState[];
  consumers?: ConsumerState[];
  subscriptions?: SubscriptionState[];
  webhooks?: WebhookState[];
}

export type StateDocument = ConfigDocument & { management?: ManagementState };

export const SECTIONS = ['users', 'teams', 'apis', 'consumers', 'subscriptions', 'webhooks'] as const;
export type Section = (typeof SECTIONS)[number];

const byKey = <T>(key: (x: T) => string) => (a: T, b: T) => key(a).localeCompare(key(b));
const same = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b);

/** The management entities as state sections (users by email, subscriptions by consumer and API). */
export async function exportManagement(t: ManagementTables): Promise<ManagementState> {
  const [users, teams, members, apis, consumers, credentials, subscriptions, webhooks, live] = await Promise.all([
    t.users.all(), t.teams.list({ limit: 500 }), t.teams.allMembers(), t.apis.all(), t.consumers.all(), t.consumers.allCredentials(), t.subscriptions.all(), t.webhooks.list(), t.apis.liveReleases(),
  ]);
  const email = new Map(users.map((u) => [u.id, u.email]));
  const liveBy = new Map(live.map((r) => [r.apiId, r.snapshot]));
  let allTeams = teams.items;
  for (let after = teams.next; after; ) {
    const page = await t.teams.list({ limit: 500, after });
    allTeams = [...allTeams, ...page.items];
    after = page.next;
  }
  const out: ManagementState = {
    users: users.map((u) => ({ email: u.email, ...(u.name ? { name: u.name } : {}), ...(u.role ? { role: u.role } : {}), ...(u.disabled ? { disabled: true } : {}) })).sort(byKey((u) => u.email)),
    teams: allTeams.map((x) => {
      const ms = members.filter((m) => m.teamId === x.id).map((m) => ({ user: email.get(m.userId) ?? m.userId, role: m.role })).sort(byKey((m) => m.user));
      return { id: x.id, name: x.name, ...(x.description ? { description: x.description } : {}), ...(ms.length ? { members: ms } : {}) };
    }),
    apis: apis.map((a) => {
      const liveDef = liveBy.get(a.id);
      const definition = (liveDef ?? a.definition) as ApiDefinition;
      return {
        id: a.id,
        team: a.teamId,
        name: a.name,
        ...(a.versionLabel ? { version: a.versionLabel } : {}),
        ...(a.description ? { description: a.description } : {}),
        visibility: a.visibility,
        approval: a.approval,
        subscription_required: a.subscriptionRequired,
        state: a.state,
        ...(a.deprecation ? { deprecation: a.deprecation } : {}),
        definition,
        ...(liveDef !== undefined && !same(liveDef, a.definition) ? { draft: a.definition as ApiDefinition } : {}),
      };
    }),
    consumers: consumers.map((c) => {
      const creds = credentials.filter((x) => x.consumerId === c.id).map((x) => ({ id: x.id, type: x.type, ...exportableFields(x) }));
      return {
        id: c.id,
        team: c.teamId,
        ...(c.name ? { name: c.name } : {}),
        ...(c.description ? { description: c.description } : {}),
        ...(c.groups.length ? { groups: [...c.groups] } : {}),
        ...(c.policies.length ? { policies: [...c.policies] } : {}),
        ...(creds.length ? { credentials: creds } : {}),
      };
    }),
    subscriptions: subscriptions
      .map((s) => ({ api: s.apiId, consumer: s.consumerId, state: s.state, ...(s.reason ? { reason: s.reason } : {}), ...(s.comment ? { comment: s.comment } : {}) }))
      .sort(byKey((s) => `${s.consumer}\u0000${s.api}`)),
    webhooks: webhooks.map((w) => ({ team: w.teamId, url: w.url, events: [...w.events], active: w.active })).sort(byKey((w) => `${w.team} ${w.url}`)),
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => Array.isArray(v) && v.length > 0));
}

/** The operator's document plus the management section (only when it holds anything). */
export async function exportState(t: ManagementTables, base: ConfigDocument): Promise<StateDocument> {
  const management = await exportManagement(t);
  const { management: _ignored, ...doc } = base as StateDocument;
  return Object.keys(management).length ? { ...doc, management } : doc;
}

/** ETag of a state: a digest of its canonical form (a stale If-Match on apply answers 412). */
export function stateTag(s: StateDocument): string {
  return sha256(canonicalJson(s)).slice(0, 20);
}

/** The config part of a state document (every top-level key but `management`); undefined when it has none. */
export function configPart(s: StateDocument): ConfigDocument | undefined {
  const { management: _m, ...doc } = s;
  return Object.keys(doc).length ? (doc) : undefined;
}

const userKey = (u: UserState) => u.email.trim().toLowerCase();
const subKey = (s: SubscriptionState) => `${s.consumer} → ${s.api}`;
const hookKey = (w: WebhookState) => `${w.team} ${w.url}`;

/** Fills what an omitted field means, so a file and an export compare equal when they mean the same. */
export function normalizeDesired(d: ManagementState, current: ManagementState): ManagementState {
  const curApis = new Map((current.apis ?? []).map((a) => [a.id, a]));
  const curCreds = new Map((current.consumers ?? []).flatMap((c) => (c.credentials ?? []).map((x): [string, CredentialState] => [`${c.id}/${x.id}`, x])));
  // A credential field the file leaves out keeps its value: generated keys (their hashes) survive a re-apply.
  const creds = (c: ConsumerState) => c.credentials?.map((x) => {
    const cur = curCreds.get(`${c.id}/${x.id}`);
    return cur && cur.type === x.type ? { ...cur, ...x } : x;
  });
  return {
    ...(d.users ? { users: d.users.map((u) => ({ email: userKey(u), ...(u.name ? { name: u.name } : {}), ...(u.role ? { role: u.role } : {}), ...(u.disabled ? { disabled: true } : {}) })) } : {}),
    ...(d.teams ? { teams: d.teams.map((t) => ({ id: t.id, name: t.name, ...(t.description ? { description: t.description } : {}), ...(t.members?.length ? { members: t.members.map((m) => ({ user: m.user.toLowerCase(), role: m.role })).sort(byKey((m) => m.user)) } : {}) })) } : {}),
    ...(d.apis
      ? {
          apis: d.apis.map((a) => {
            const state = a.state ?? 'draft';
            const definition = normalizeDefinition(a.definition);
            const draft = a.draft !== undefined ? normalizeDefinition(a.draft) : undefined;
            const cur = curApis.get(a.id);
            // Deprecation facts the file leaves out keep their value (deprecated_at, retired_at set when it happened).
            const merged = { ...(cur?.deprecation ?? {}), ...(a.deprecation ?? {}) };
            const deprecation = (state === 'deprecated' || state === 'retired') && Object.keys(merged).length ? merged : undefined;
            return {
              id: a.id,
              team: a.team,
              name: a.name,
              ...(a.version ? { version: a.version } : {}),
              ...(a.description ? { description: a.description } : {}),
              visibility: a.visibility ?? 'public',
              approval: a.approval ?? 'manual',
              subscription_required: a.subscription_required ?? true,
              state,
              ...(deprecation ? { deprecation } : {}),
              definition,
              ...(draft && state !== 'draft' && !same(draft, definition) ? { draft } : {}),
            };
          }),
        }
      : {}),
    ...(d.consumers ? { consumers: d.consumers.map((c) => ({ id: c.id, team: c.team, ...(c.name ? { name: c.name } : {}), ...(c.description ? { description: c.description } : {}), ...(c.groups?.length ? { groups: c.groups } : {}), ...(c.policies?.length ? { policies: c.policies } : {}), ...(c.credentials?.length ? { credentials: creds(c) } : {}) })) } : {}),
    ...(d.subscriptions ? { subscriptions: d.subscriptions.map((s) => ({ api: s.api, consumer: s.consumer, state: s.state, ...(s.reason ? { reason: s.reason } : {}), ...(s.comment ? { comment: s.comment } : {}) })) } : {}),
    ...(d.webhooks ? { webhooks: d.webhooks.map((w) => ({ team: w.team, url: w.url, events: w.events ?? ['*'], active: w.active ?? true })) } : {}),
  };
}

/** Sections as maps by their natural key: the shape diffs are computed on (`apis.orders-v1.name`). */
function keyedView(s: ManagementState): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  if (s.users) out['users'] = Object.fromEntries(s.users.map((u) => [userKey(u), u]));
  if (s.teams) out['teams'] = Object.fromEntries(s.teams.map((t) => [t.id, t]));
  if (s.apis) out['apis'] = Object.fromEntries(s.apis.map((a) => [a.id, a]));
  if (s.consumers) out['consumers'] = Object.fromEntries(s.consumers.map((c) => [c.id, c]));
  if (s.subscriptions) out['subscriptions'] = Object.fromEntries(s.subscriptions.map((x) => [subKey(x), x]));
  if (s.webhooks) out['webhooks'] = Object.fromEntries(s.webhooks.map((w) => [hookKey(w), w]));
  return out;
}

/**
 * What applying `desired` to `current` changes. A section present in the file is authoritative
 * (items not listed are removed) — except users, which are only added or changed, never removed
 * (a file must not lock its operators out). Absent sections, and an absent config part, stay.
 */
export function planState(current: StateDocument, desired: StateDocument): Change[] {
  const changes: Change[] = [];
  const cfg = configPart(desired);
  if (cfg !== undefined) changes.push(...diffJson(configPart(current) ?? {}, cfg, 'config'));
  const want = keyedView(normalizeDesired(desired.management ?? {}, current.management ?? {}));
  const have = keyedView(current.management ?? {});
  for (const section of SECTIONS) {
    const w = want[section];
    if (!w) continue;
    const h = have[section] ?? {};
    const target = section === 'users' ? { ...h, ...w } : w;
    changes.push(...diffJson(h, target, `management.${section}`));
  }
  return changes.map(redactChange);
}

/** A plan shows no secret a file may carry (a credential's `secret`, a `client_secret`…): plans land in the audit log. */
function redactChange(c: Change): Change {
  const last = /([A-Za-z_]+)(\[[^\]]*\])?$/.exec(c.path)?.[1] ?? '';
  const hide = (v: unknown) => (v === undefined ? undefined : isSecretKey(last) ? '[redacted]' : redact(v));
  return { op: c.op, path: c.path, ...(c.from !== undefined ? { from: hide(c.from) } : {}), ...(c.to !== undefined ? { to: hide(c.to) } : {}) };
}

export { userKey, subKey, hookKey };
