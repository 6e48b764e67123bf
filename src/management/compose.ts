import type { FieldError } from '../config/field-errors.js';
import type { ConfigDocument, ConsumerConfig, RouteConfig, ServiceConfig } from '../config/schema.js';
import type { ApiRecord, ApiRelease, ConsumerRecord, CredentialRecord, ManagementTables, SubscriptionRecord } from '../store/management/index.js';
import type { ApiDefinition, Deprecation } from './definition.js';

/** Tag on every service, route and consumer the management plane generates (reserved). */
export const MANAGED_TAG = 'sluice:managed';

/** Where a generated item came from, to point errors at the management resource's own fields. */
export type Origin = { readonly kind: 'api'; readonly id: string; readonly route?: number; readonly policies: number } | { readonly kind: 'consumer'; readonly id: string };

/** The parts of the config document derived from management entities. */
export interface GeneratedParts {
  readonly services: readonly ServiceConfig[];
  readonly routes: readonly RouteConfig[];
  readonly consumers: readonly ConsumerConfig[];
  /** Generated item id → origin, by section. */
  readonly origins: { readonly services: ReadonlyMap<string, Origin>; readonly routes: ReadonlyMap<string, Origin>; readonly consumers: ReadonlyMap<string, Origin> };
}

export const EMPTY_PARTS: GeneratedParts = { services: [], routes: [], consumers: [], origins: { services: new Map(), routes: new Map(), consumers: new Map() } };

const isManaged = (x: { tags?: readonly string[] }) => x.tags?.includes(MANAGED_TAG) ?? false;

const MANAGED_SECTIONS = new Set(['services', 'routes', 'consumers']);

/** The operator's document without what the management plane generated. */
export function stripManaged(doc: unknown): ConfigDocument {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return (doc ?? {}) as ConfigDocument;
  const d: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc)) {
    if (!MANAGED_SECTIONS.has(k) || !Array.isArray(v)) d[k] = v;
    else {
      const kept = (v as { tags?: string[] }[]).filter((x) => !isManaged(x));
      if (kept.length > 0) d[k] = kept;
    }
  }
  return d;
}

/** Base document (generated items removed) + generated parts, in a stable order. */
export function composeDocument(base: unknown, parts: GeneratedParts): unknown {
  const d = stripManaged(base);
  if (typeof d !== 'object' || Array.isArray(d)) return d;
  const out: Record<string, unknown> = { ...d };
  const add = (k: 'services' | 'routes' | 'consumers', items: readonly unknown[]) => {
    if (items.length === 0) return;
    out[k] = [...((d[k] as unknown[] | undefined) ?? []), ...items];
  };
  add('services', parts.services);
  add('routes', parts.routes);
  add('consumers', parts.consumers);
  return out;
}

export function joinBase(base: string, path: string): string {
  const b = base.replace(/\/+$/, '');
  if (path === '/' || path === '') return b || '/';
  return `${b}${path.startsWith('/') ? '' : '/'}${path}`;
}

export interface Entities {
  readonly apis: readonly ApiRecord[];
  /** The live release of each API that has one. */
  readonly releases: ReadonlyMap<string, ApiRelease>;
  readonly consumers: readonly ConsumerRecord[];
  readonly credentials: readonly CredentialRecord[];
  readonly subscriptions: readonly SubscriptionRecord[];
}

export async function loadEntities(m: ManagementTables): Promise<Entities> {
  const [apis, releases, consumers, credentials, subscriptions] = await Promise.all([m.apis.all(), m.apis.liveReleases(), m.consumers.all(), m.consumers.allCredentials(), m.subscriptions.all()]);
  return { apis, releases: new Map(releases.map((r) => [r.apiId, r])), consumers, credentials, subscriptions };
}

const iso = (ms: number) => new Date(ms).toISOString();

function lifecyclePolicy(api: ApiRecord): ServiceConfig['policies'] {
  if (api.state !== 'deprecated' && api.state !== 'retired') return [];
  const d = (api.deprecation ?? {}) as Partial<Deprecation>;
  const deprecatedAt = d.deprecated_at ?? d.retired_at ?? iso(api.updatedAt);
  const config: Record<string, unknown> = { api: api.id, state: api.state, deprecated_at: deprecatedAt };
  const sunset = d.sunset_at ?? (api.state === 'retired' ? d.retired_at : undefined);
  if (sunset) config['sunset_at'] = sunset;
  if (d.link) config['link'] = d.link;
  if (d.successor) config['successor'] = d.successor;
  return [{ name: 'api-lifecycle', config }];
}

function subscriptionPolicy(api: ApiRecord, subs: readonly SubscriptionRecord[]): ServiceConfig['policies'] {
  if (!api.subscriptionRequired || api.state === 'retired') return [];
  const consumers: Record<string, unknown> = {};
  for (const s of subs) consumers[s.consumerId] = { state: s.state, id: s.id, since: iso(s.decidedAt ?? s.updatedAt) };
  return [{ name: 'subscription', config: { api: api.id, consumers } }];
}

/**
 * Services, routes and consumers for the data plane: every API with a live release (published,
 * deprecated or retired) with its subscription and lifecycle policies, every consumer with its
 * credentials (stored forms only: hashes, never a shown-once secret).
 */
export function generateParts(e: Entities): GeneratedParts {
  const services: ServiceConfig[] = [];
  const routes: RouteConfig[] = [];
  const consumers: ConsumerConfig[] = [];
  const origins = { services: new Map<string, Origin>(), routes: new Map<string, Origin>(), consumers: new Map<string, Origin>() };
  const subsByApi = new Map<string, SubscriptionRecord[]>();
  for (const s of e.subscriptions) subsByApi.set(s.apiId, [...(subsByApi.get(s.apiId) ?? []), s]);
  for (const api of e.apis) {
    const rel = e.releases.get(api.id);
    if (!rel || api.state === 'draft') continue;
    const def = rel.snapshot as ApiDefinition;
    const tags = [MANAGED_TAG, `team:${api.teamId}`, `api:${api.id}`];
    const own = def.policies ?? [];
    services.push({
      id: api.id,
      name: api.name,
      ...(api.description ? { description: api.description } : {}),
      ...(def.kind ? { kind: def.kind } : {}),
      ...(def.upstream ? { upstream: def.upstream } : {}),
      ...(def.config ? { config: def.config } : {}),
      policies: [...own, ...lifecyclePolicy(api)!, ...subscriptionPolicy(api, subsByApi.get(api.id) ?? [])!],
      tags,
    });
    origins.services.set(api.id, { kind: 'api', id: api.id, policies: own.length });
    def.routes.forEach((r, i) => {
      const id = `${api.id}.${r.id}`;
      routes.push({ ...r, id, service: api.id, paths: r.paths.map((p) => joinBase(def.base_path, p)), tags: [...(r.tags ?? []), ...tags] });
      origins.routes.set(id, { kind: 'api', id: api.id, route: i, policies: r.policies?.length ?? 0 });
    });
  }
  const credsBy = new Map<string, CredentialRecord[]>();
  for (const c of e.credentials) credsBy.set(c.consumerId, [...(credsBy.get(c.consumerId) ?? []), c]);
  for (const c of e.consumers) {
    const creds = credsBy.get(c.id) ?? [];
    consumers.push({
      id: c.id,
      ...(c.name ? { name: c.name } : {}),
      ...(c.groups.length ? { groups: [...c.groups] } : {}),
      ...(creds.length ? { credentials: creds.map((x) => ({ id: x.id, type: x.type, ...x.fields })) } : {}),
      ...(c.policies.length ? { policies: c.policies as ConsumerConfig['policies'] } : {}),
      tags: [MANAGED_TAG, `team:${c.teamId}`],
    });
    origins.consumers.set(c.id, { kind: 'consumer', id: c.id });
  }
  return { services, routes, consumers, origins };
}

export async function loadParts(m: ManagementTables): Promise<GeneratedParts> {
  return generateParts(await loadEntities(m));
}

/**
 * Points config errors of a composed document at the management resource they come from:
 * `routes[7].paths[0]` → `api orders-v1: definition.routes[1].paths[0]`. Errors in the operator's own
 * part keep their path.
 */
export function translateErrors(errors: readonly FieldError[], composed: unknown, parts: GeneratedParts): FieldError[] {
  const doc = composed as { services?: { id: string }[]; routes?: { id: string }[]; consumers?: { id: string }[] };
  return errors.map((e) => {
    const m = /^(services|routes|consumers)\[(\d+)\](.*)$/.exec(e.path);
    if (!m) return e;
    const section = m[1] as 'services' | 'routes' | 'consumers';
    const item = doc[section]?.[Number(m[2])];
    const origin = item ? parts.origins[section].get(item.id) : undefined;
    if (!origin) return e;
    let rest = m[3] ?? '';
    if (origin.kind === 'consumer') return { path: `consumer ${origin.id}${rest}`, message: e.message };
    if (section === 'services') {
      const pm = /^\.policies\[(\d+)\](.*)$/.exec(rest);
      if (pm && Number(pm[1]) >= origin.policies) return { path: `api ${origin.id}: managed policy${pm[2] ?? ''}`, message: e.message };
      return { path: `api ${origin.id}: definition${rest}`, message: e.message };
    }
    rest = rest.replace(/^\.service$/, '');
    return { path: `api ${origin.id}: definition.routes[${origin.route ?? 0}]${rest}`, message: e.message };
  });
}
