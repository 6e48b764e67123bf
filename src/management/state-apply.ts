import { canonicalJson } from '../config/resolve.js';
import type { ConfigDocument } from '../config/schema.js';
import type { ManagementTables } from '../store/management/index.js';
import { newId } from '../store/management/index.js';
import { requireGlobalRole } from './access.js';
import { checkDefinition } from './apis.js';
import type { Actor } from './audit.js';
import { displayOf, issuerFor, secretFields } from './credentials.js';
import type { ApiDefinition, Deprecation } from './definition.js';
import { diffJson, formatChanges, type Change } from './diff.js';
import { invalid, invalidState, ManagementError } from './errors.js';
import type { ManagementPlane } from './plane.js';
import { isRole } from './roles.js';
import { randomToken } from './secrets.js';
import { configPart, exportState, hookKey, normalizeDesired, planState, stateTag, subKey, type ManagementState, type StateDocument } from './state.js';
import { checkEvents, checkUrl } from './team-webhooks.js';
import { issueReset } from './users.js';

/** Generated secrets of new credentials and webhooks: in the apply answer only, never stored in clear. */
export interface IssuedSecret {
  readonly kind: 'credential' | 'webhook';
  readonly owner: string;
  readonly id: string;
  readonly secret: Readonly<Record<string, string>>;
}

export interface ApplyStateResult {
  readonly changed: boolean;
  readonly changes: readonly Change[];
  readonly lines: readonly string[];
  readonly version: number;
  readonly tag: string;
  readonly secrets: readonly IssuedSecret[];
  /** New users without a password: one-time links to set one (POST /auth/password/reset). */
  readonly invitations: readonly { email: string; reset_token: string }[];
}

const same = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b);
const SUB_STATES = new Set(['pending', 'approved', 'rejected', 'revoked']);
const API_STATES = new Set(['draft', 'published', 'deprecated', 'retired']);

/** The current state (operator document + management entities) as `config export` shows it. */
export async function currentState(m: ManagementPlane, tables: ManagementTables = m.tables): Promise<StateDocument> {
  const base = m.storeMode ? await m.baseDocument(tables) : (m.host.currentDocument().document);
  return exportState(tables, base);
}

export async function planStateChange(m: ManagementPlane, desired: StateDocument) {
  const current = await currentState(m);
  const changes = planState(current, desired);
  return { changes, lines: formatChanges(changes), tag: stateTag(current) };
}

interface Out {
  readonly secrets: IssuedSecret[];
  readonly invited: { userId: string; email: string }[];
}

async function applyUsers(tx: ManagementTables, actor: Actor, want: ManagementState, out: Out): Promise<void> {
  for (const [i, u] of (want.users ?? []).entries()) {
    if (u.role !== undefined && !isRole(u.role)) throw invalid(`management.users[${i}].role`, 'must be owner, admin, editor or viewer');
    const cur = await tx.users.byEmail(u.email);
    const changed = !cur || (cur.name ?? undefined) !== u.name || (cur.role ?? undefined) !== u.role || cur.disabled !== (u.disabled ?? false);
    if (!changed) continue;
    if (u.role === 'owner' || cur?.role === 'owner') requireGlobalRole(actor.principal, 'owner', `Making or changing the global owner ${u.email}`);
    if (!cur) {
      const created = await tx.users.insert({ id: newId('usr'), email: u.email, ...(u.name ? { name: u.name } : {}), ...(u.role ? { role: u.role } : {}) });
      if (u.disabled) await tx.users.update(created.id, { disabled: true });
      out.invited.push({ userId: created.id, email: created.email });
    } else {
      if (cur.id === actor.principal.userId && u.disabled) throw invalid(`management.users[${i}].disabled`, 'you cannot disable yourself');
      await tx.users.update(cur.id, { name: u.name ?? null, role: u.role ?? null, disabled: u.disabled ?? false });
      if (u.disabled) await tx.users.deleteSessionsOf(cur.id);
    }
  }
}

async function applyTeams(tx: ManagementTables, want: ManagementState): Promise<void> {
  for (const [i, t] of (want.teams ?? []).entries()) {
    const cur = await tx.teams.get(t.id);
    if (!cur) await tx.teams.insert({ id: t.id, name: t.name, ...(t.description ? { description: t.description } : {}) });
    else if (cur.name !== t.name || (cur.description ?? undefined) !== t.description) await tx.teams.update(t.id, { name: t.name, description: t.description ?? null });
    const members = await tx.teams.members(t.id);
    const keep = new Set<string>();
    for (const [j, mem] of (t.members ?? []).entries()) {
      if (!isRole(mem.role)) throw invalid(`management.teams[${i}].members[${j}].role`, 'must be owner, admin, editor or viewer');
      const user = await tx.users.byEmail(mem.user);
      if (!user) throw invalid(`management.teams[${i}].members[${j}].user`, `no admin user ${JSON.stringify(mem.user)} (list it under management.users)`);
      keep.add(user.id);
      if (members.find((x) => x.userId === user.id)?.role !== mem.role) await tx.teams.setMember(t.id, user.id, mem.role);
    }
    for (const x of members) if (!keep.has(x.userId)) await tx.teams.removeMember(t.id, x.userId);
  }
}

async function applyWebhooks(tx: ManagementTables, want: ManagementState, out: Out): Promise<void> {
  if (!want.webhooks) return;
  const current = new Map((await tx.webhooks.list()).map((w) => [hookKey({ team: w.teamId, url: w.url }), w]));
  const keep = new Set<string>();
  for (const [i, w] of want.webhooks.entries()) {
    try {
      checkUrl(w.url);
      checkEvents(w.events ?? ['*']);
    } catch (err) {
      throw prefixed(err, `management.webhooks[${i}].`);
    }
    const key = hookKey(w);
    keep.add(key);
    const cur = current.get(key);
    if (cur) {
      if (!same(cur.events, w.events) || cur.active !== w.active) await tx.webhooks.update(cur.id, { events: w.events ?? ['*'], active: w.active ?? true });
      continue;
    }
    if (!(await tx.teams.get(w.team))) throw invalid(`management.webhooks[${i}].team`, `no team ${JSON.stringify(w.team)}`);
    const secret = randomToken('whsec_', 24);
    const h = await tx.webhooks.insert({ id: newId('whk'), teamId: w.team, url: w.url, secret, events: w.events ?? ['*'], ...(w.active === false ? { active: false } : {}) });
    out.secrets.push({ kind: 'webhook', owner: w.team, id: h.id, secret: { secret } });
  }
  for (const [key, h] of current) if (!keep.has(key)) await tx.webhooks.delete(h.id);
}

function prefixed(err: unknown, prefix: string): unknown {
  if (!(err instanceof ManagementError) || !err.errors) return err;
  const errors = err.errors.map((e) => ({ path: `${prefix}${e.path}`, message: e.message }));
  return new ManagementError(err.code, errors.map((e) => `${e.path}: ${e.message}`).join('; '), errors, err.headers);
}

async function applyApis(m: ManagementPlane, tx: ManagementTables, actor: Actor, want: ManagementState, base: ConfigDocument): Promise<void> {
  for (const [i, a] of (want.apis ?? []).entries()) {
    const at = `management.apis[${i}]`;
    const state = a.state ?? 'draft';
    if (!API_STATES.has(state)) throw invalid(`${at}.state`, 'must be draft, published, deprecated or retired');
    if (!(await tx.teams.get(a.team))) throw invalid(`${at}.team`, `no team ${JSON.stringify(a.team)}`);
    const def = a.definition as ApiDefinition;
    const working = (a.draft ?? a.definition) as ApiDefinition;
    try {
      checkDefinition(m, def, a.subscription_required ?? true, base);
    } catch (err) {
      throw prefixed(err, `${at}.`);
    }
    let cur = await tx.apis.get(a.id);
    const meta = { name: a.name, versionLabel: a.version ?? null, description: a.description ?? null, visibility: a.visibility ?? 'public', approval: a.approval ?? 'manual', subscriptionRequired: a.subscription_required ?? true, definition: working };
    if (!cur) {
      cur = await tx.apis.insert({ id: a.id, teamId: a.team, name: a.name, ...(a.version ? { versionLabel: a.version } : {}), ...(a.description ? { description: a.description } : {}), state: 'draft', visibility: meta.visibility, approval: meta.approval, subscriptionRequired: meta.subscriptionRequired, definition: working });
    } else {
      if (cur.teamId !== a.team) throw invalid(`${at}.team`, `API ${a.id} belongs to team ${cur.teamId}; moving APIs between teams is not supported (create a new API)`);
      if (cur.state === 'retired' && state !== 'retired') throw invalidState(`${at}: API ${a.id} is retired; it cannot become ${state} again (create a new API).`);
      if (cur.state !== 'draft' && state === 'draft') throw invalidState(`${at}: API ${a.id} is ${cur.state}; it cannot go back to draft (retire it instead).`);
      cur = (await tx.apis.update(a.id, meta))!;
    }
    if (state === 'draft') continue;
    const live = cur.liveRelease !== undefined ? await tx.apis.release(a.id, cur.liveRelease) : undefined;
    let liveRelease = cur.liveRelease;
    if (!live || !same(live.snapshot, def)) {
      const prev = await tx.apis.latestRelease(a.id);
      const rel = await tx.apis.insertRelease({ apiId: a.id, number: (prev?.number ?? 0) + 1, snapshot: def, diff: diffJson(live?.snapshot ?? {}, def), notes: 'sluice config apply', author: actor.principal.name });
      liveRelease = rel.number;
    }
    const now = new Date().toISOString();
    const given = (a.deprecation ?? {});
    const deprecation: Deprecation | null =
      state === 'published' ? null : { ...given, deprecated_at: given.deprecated_at ?? now, ...(state === 'retired' ? { retired_at: given.retired_at ?? now } : {}) };
    if (cur.state !== state || cur.liveRelease !== liveRelease || !same(cur.deprecation ?? null, deprecation)) await tx.apis.update(a.id, { state, ...(liveRelease !== undefined ? { liveRelease } : {}), deprecation });
  }
}

async function applyConsumers(tx: ManagementTables, want: ManagementState, out: Out): Promise<void> {
  for (const [i, c] of (want.consumers ?? []).entries()) {
    const at = `management.consumers[${i}]`;
    if (!(await tx.teams.get(c.team))) throw invalid(`${at}.team`, `no team ${JSON.stringify(c.team)}`);
    const cur = await tx.consumers.get(c.id);
    const patch = { name: c.name ?? null, description: c.description ?? null, groups: c.groups ?? [], policies: c.policies ?? [] };
    if (!cur) await tx.consumers.insert({ id: c.id, teamId: c.team, ...(c.name ? { name: c.name } : {}), ...(c.description ? { description: c.description } : {}), groups: patch.groups, policies: patch.policies });
    else if (cur.teamId !== c.team) throw invalid(`${at}.team`, `consumer ${c.id} belongs to team ${cur.teamId}; moving consumers between teams is not supported`);
    else if ((cur.name ?? null) !== patch.name || (cur.description ?? null) !== patch.description || !same(cur.groups, patch.groups) || !same(cur.policies, patch.policies)) await tx.consumers.update(c.id, patch);
    const creds = await tx.consumers.credentials(c.id);
    const keep = new Set<string>();
    for (const [j, x] of (c.credentials ?? []).entries()) {
      const { id, type, ...fields } = x;
      keep.add(id);
      const old = creds.find((k) => k.id === id);
      const expires = typeof fields['expires_at'] === 'string' ? Date.parse(fields['expires_at']) : undefined;
      if (old && old.type !== type) throw invalid(`${at}.credentials[${j}].type`, `credential ${id} is ${old.type}; delete it and add a new one to change its type`);
      if (old) {
        const next = { ...secretFields(old), ...fields };
        if (!same(next, old.fields)) await tx.consumers.updateCredential(id, { fields: next, display: displayOf(type, next), expiresAt: expires ?? null });
        continue;
      }
      const direct = type !== 'basic-auth' && type !== 'hmac-auth' && (type !== 'key-auth' || typeof fields['key_hash'] === 'string');
      let issued: { fields: Record<string, unknown>; display: Record<string, unknown>; secret?: Record<string, string> };
      try {
        issued = direct ? { fields, display: displayOf(type, fields) } : await issuerFor(type).create(fields);
      } catch (err) {
        throw prefixed(err, `${at}.credentials[${j}].`);
      }
      await tx.consumers.insertCredential({ id, consumerId: c.id, type, fields: issued.fields, display: issued.display, ...(expires !== undefined && !Number.isNaN(expires) ? { expiresAt: expires } : {}) });
      if (issued.secret) out.secrets.push({ kind: 'credential', owner: c.id, id, secret: issued.secret });
    }
    for (const k of creds) if (!keep.has(k.id)) await tx.consumers.deleteCredential(k.id);
    await tx.consumers.touch(c.id);
  }
}

async function applySubscriptions(tx: ManagementTables, actor: Actor, want: ManagementState): Promise<void> {
  if (!want.subscriptions) return;
  const keep = new Set<string>();
  for (const [i, s] of want.subscriptions.entries()) {
    const at = `management.subscriptions[${i}]`;
    if (!SUB_STATES.has(s.state)) throw invalid(`${at}.state`, 'must be pending, approved, rejected or revoked');
    if (!(await tx.apis.get(s.api))) throw invalid(`${at}.api`, `no API ${JSON.stringify(s.api)}`);
    if (!(await tx.consumers.get(s.consumer))) throw invalid(`${at}.consumer`, `no consumer ${JSON.stringify(s.consumer)}`);
    keep.add(subKey(s));
    const cur = await tx.subscriptions.byPair(s.api, s.consumer);
    const decided = s.state === 'pending' ? { decidedBy: null, decidedAt: null } : { decidedBy: actor.principal.name, decidedAt: Date.now() };
    if (!cur) {
      await tx.subscriptions.insert({ id: newId('sub'), apiId: s.api, consumerId: s.consumer, state: s.state, ...(s.reason ? { reason: s.reason } : {}), ...(s.comment ? { comment: s.comment } : {}), requestedBy: actor.principal.name, ...(s.state === 'pending' ? {} : { decidedBy: actor.principal.name, decidedAt: Date.now() }) });
    } else if (cur.state !== s.state || (cur.reason ?? undefined) !== s.reason || (cur.comment ?? undefined) !== s.comment) {
      await tx.subscriptions.update(cur.id, { state: s.state, reason: s.reason ?? null, comment: s.comment ?? null, ...(cur.state !== s.state ? decided : {}) });
    }
  }
  for (const s of await tx.subscriptions.all()) if (!keep.has(subKey({ api: s.apiId, consumer: s.consumerId, state: s.state }))) await tx.subscriptions.delete(s.id);
}

/** Removes what authoritative sections no longer list, dependents first. */
async function prune(tx: ManagementTables, want: ManagementState): Promise<void> {
  if (want.consumers) {
    const ids = new Set(want.consumers.map((c) => c.id));
    for (const c of await tx.consumers.all()) if (!ids.has(c.id)) await tx.consumers.delete(c.id);
  }
  if (want.apis) {
    const ids = new Set(want.apis.map((a) => a.id));
    for (const a of await tx.apis.all()) if (!ids.has(a.id)) await tx.apis.delete(a.id);
  }
  if (want.teams) {
    const ids = new Set(want.teams.map((t) => t.id));
    const page = await tx.teams.list({ limit: 500 });
    for (const t of page.items) {
      if (ids.has(t.id)) continue;
      const [apis, consumers] = [await tx.apis.countByTeam(t.id), await tx.consumers.countByTeam(t.id)];
      if (apis + consumers > 0) throw invalidState(`Team ${t.id} is not in the file but still owns ${apis} API(s) and ${consumers} consumer(s); list them, or add an apis/consumers section without them.`);
      for (const w of await tx.webhooks.list([t.id])) await tx.webhooks.delete(w.id);
      await tx.teams.delete(t.id);
    }
  }
}

/**
 * Makes the stored state what `desired` says, in one transaction and one recompile; a second apply of
 * the same file changes nothing. `ifMatch` is the tag of the state the plan was made against.
 */
export async function applyState(m: ManagementPlane, actor: Actor, desired: StateDocument, o: { ifMatch?: string } = {}): Promise<ApplyStateResult> {
  requireGlobalRole(actor.principal, 'admin', 'Applying a state file');
  m.requireStoreMode();
  const before = await currentState(m);
  const tag = stateTag(before);
  if (o.ifMatch !== undefined && o.ifMatch !== tag) throw new ManagementError('admin.precondition_failed', `The state changed since you read it (tag ${o.ifMatch}; it is now ${tag}). Export or plan again.`, undefined, { etag: `"${tag}"` });
  const planned = planState(before, desired);
  if (planned.length === 0) return { changed: false, changes: [], lines: [], version: m.host.currentDocument().version, tag, secrets: [], invitations: [] };
  const cfg = configPart(desired);
  const out: Out = { secrets: [], invited: [] };
  const changes = await m.write(actor, { dataPlane: true, message: 'sluice config apply', ...(cfg ? { document: cfg } : {}) }, async ({ tx, audit }) => {
    const current = await currentState(m, tx);
    const plan = planState(current, desired);
    const want = normalizeDesired(desired.management ?? {}, current.management ?? {});
    const base = cfg ?? (configPart(current) ?? {});
    await applyUsers(tx, actor, want, out);
    await applyTeams(tx, want);
    await applyWebhooks(tx, want, out);
    await applyApis(m, tx, actor, want, base);
    await applyConsumers(tx, want, out);
    await applySubscriptions(tx, actor, want);
    await prune(tx, want);
    audit({ action: 'state.apply', resource: { type: 'state' }, before: { tag }, after: { changes: formatChanges(plan) } });
    return plan;
  });
  const invitations = [];
  for (const u of out.invited) invitations.push({ email: u.email, reset_token: await issueReset(m, u.userId) });
  const after = await currentState(m);
  return { changed: true, changes, lines: formatChanges(changes), version: m.host.currentDocument().version, tag: stateTag(after), secrets: out.secrets, invitations };
}
