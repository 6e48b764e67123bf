import { createHash } from 'node:crypto';
import { Value } from '@sinclair/typebox/value';
import type { PolicyDefinition } from '../core/policy.js';
import type { PolicyScope } from '../core/trace.js';
import { ConfigError, joinPath, schemaErrors, suggest, type FieldError } from './field-errors.js';
import type { ConfigRegistry } from './registry.js';
import {
  documentSchema,
  type ConfigDocument,
  type ConsumerConfig,
  type CredentialConfig,
  type PolicyAttachmentConfig,
  type RouteConfig,
  type ServiceConfig,
} from './schema.js';
import { checkGatewaySettings, checkRoute, checkUpstream } from './checks.js';

/** A policy attachment after validation: id assigned, defaults applied, definition found. */
export interface ResolvedPolicy {
  readonly id: string;
  readonly name: string;
  readonly scope: PolicyScope;
  /** Id of the service, route or consumer it is attached to (absent for global). */
  readonly owner?: string;
  readonly enabled: boolean;
  readonly shadow: boolean;
  /** Config with schema defaults applied. */
  readonly config: unknown;
  /** Config path of the attachment, e.g. `routes[1].policies[0]`. */
  readonly path: string;
  readonly definition: PolicyDefinition;
}

export interface ResolvedCredential {
  readonly config: CredentialConfig;
  readonly consumerId: string;
  readonly path: string;
}

/** A validated config: the document as written plus what validation derived from it. */
export interface ResolvedConfig {
  readonly document: ConfigDocument;
  /** sha256 of the canonical JSON of the document. */
  readonly hash: string;
  readonly services: readonly ServiceConfig[];
  readonly routes: readonly RouteConfig[];
  readonly consumers: readonly ConsumerConfig[];
  readonly credentials: readonly ResolvedCredential[];
  readonly policies: readonly ResolvedPolicy[];
}

/** JSON with sorted keys, so that equal configs hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function configHash(doc: unknown): string {
  return createHash('sha256').update(canonicalJson(doc)).digest('hex');
}

function uniqueIds<T extends { id: string }>(items: readonly T[], section: string, errors: FieldError[]): Map<string, T> {
  const map = new Map<string, T>();
  items.forEach((item, i) => {
    if (map.has(item.id)) errors.push({ path: `${section}[${i}].id`, message: `duplicate id ${JSON.stringify(item.id)}` });
    else map.set(item.id, item);
  });
  return map;
}

/**
 * Validates a config document whole: schema, references, per-policy and per-kind schemas.
 * Throws ConfigError listing every problem with its exact field path.
 */
export function resolveConfig(input: unknown, registry: ConfigRegistry): ResolvedConfig {
  const schema = documentSchema(Object.fromEntries(registry.sections.map((s) => [s.key, s.schema])));
  const structural = schemaErrors(schema, input ?? {});
  if (structural.length > 0) throw new ConfigError(structural);
  const doc = (input ?? {}) as ConfigDocument;
  const errors: FieldError[] = [];
  const services = doc.services ?? [];
  const routes = doc.routes ?? [];
  const consumers = doc.consumers ?? [];
  const serviceIds = uniqueIds(services, 'services', errors);
  uniqueIds(routes, 'routes', errors);
  uniqueIds(consumers, 'consumers', errors);

  checkGatewaySettings(doc.gateway, errors);
  services.forEach((s, i) => checkService(s, `services[${i}]`, registry, errors));
  routes.forEach((r, i) => {
    const path = `routes[${i}]`;
    if (!serviceIds.has(r.service)) {
      const hint = suggest(r.service, serviceIds.keys());
      errors.push({ path: `${path}.service`, message: `no service with id ${JSON.stringify(r.service)}${hint ? ` (did you mean "${hint}"?)` : ''}` });
    }
    checkRoute(r, path, errors);
  });

  const credentials = resolveCredentials(consumers, registry, errors);
  const policies: ResolvedPolicy[] = [];
  const policyIds = new Map<string, string>();
  const attach = (list: readonly PolicyAttachmentConfig[] | undefined, scope: PolicyScope, owner: string | undefined, base: string) => {
    const names = new Set<string>();
    list?.forEach((att, i) => {
      const path = `${base}[${i}]`;
      const p = resolvePolicy(att, scope, owner, path, registry, errors);
      if (!p) return;
      if (names.has(p.name)) {
        errors.push({ path: `${path}.name`, message: `${p.name} is attached twice at this ${scope}; configure one instance (a policy may hold several rules)` });
        return;
      }
      names.add(p.name);
      const clash = policyIds.get(p.id);
      if (clash) errors.push({ path: `${path}.id`, message: `duplicate policy id ${JSON.stringify(p.id)} (also at ${clash})` });
      policyIds.set(p.id, path);
      policies.push(p);
    });
  };
  attach(doc.policies, 'global', undefined, 'policies');
  services.forEach((s, i) => attach(s.policies, 'service', s.id, `services[${i}].policies`));
  routes.forEach((r, i) => attach(r.policies, 'route', r.id, `routes[${i}].policies`));
  consumers.forEach((c, i) => attach(c.policies, 'consumer', c.id, `consumers[${i}].policies`));

  if (errors.length > 0) throw new ConfigError(errors);
  return { document: doc, hash: configHash(doc), services, routes, consumers, credentials, policies };
}

function checkService(s: ServiceConfig, path: string, registry: ConfigRegistry, errors: FieldError[]): void {
  const kind = s.kind ?? 'http';
  if (kind === 'http') {
    if (!s.upstream) errors.push({ path: `${path}.upstream`, message: 'is required for a service of kind "http"' });
    else checkUpstream(s.upstream, `${path}.upstream`, errors);
    if (s.config) errors.push({ path: `${path}.config`, message: 'is only for services of a non-http kind; http services use "upstream"' });
    return;
  }
  const def = registry.serviceKinds.get(kind);
  if (!def) {
    const hint = suggest(kind, ['http', ...registry.serviceKinds.keys()]);
    errors.push({ path: `${path}.kind`, message: `unknown service kind ${JSON.stringify(kind)}${hint ? ` (did you mean "${hint}"?)` : ''}` });
    return;
  }
  if (s.upstream) errors.push({ path: `${path}.upstream`, message: `is not used by services of kind "${kind}"` });
  errors.push(...schemaErrors(def.schema, s.config ?? {}, `${path}.config`));
}

function resolveCredentials(consumers: readonly ConsumerConfig[], registry: ConfigRegistry, errors: FieldError[]): ResolvedCredential[] {
  const owners = new Map<string, PolicyDefinition>();
  for (const def of registry.policies.values()) if (def.credential) owners.set(def.credential.type, def);
  const out: ResolvedCredential[] = [];
  const ids = new Map<string, string>();
  consumers.forEach((c, ci) => {
    c.credentials?.forEach((cred, i) => {
      const path = `consumers[${ci}].credentials[${i}]`;
      const clash = ids.get(cred.id);
      if (clash) errors.push({ path: `${path}.id`, message: `duplicate credential id ${JSON.stringify(cred.id)} (also at ${clash})` });
      ids.set(cred.id, path);
      const owner = owners.get(cred.type);
      if (!owner?.credential) {
        const hint = suggest(cred.type, owners.keys());
        errors.push({ path: `${path}.type`, message: `unknown credential type ${JSON.stringify(cred.type)}${hint ? ` (did you mean "${hint}"?)` : ''}` });
        return;
      }
      const fieldErrors = schemaErrors(owner.credential.schema, cred, path);
      if (fieldErrors.length > 0) {
        errors.push(...fieldErrors);
        return;
      }
      out.push({ config: Value.Default(owner.credential.schema, structuredClone(cred)) as CredentialConfig, consumerId: c.id, path });
    });
  });
  return out;
}

function resolvePolicy(
  att: PolicyAttachmentConfig,
  scope: PolicyScope,
  owner: string | undefined,
  path: string,
  registry: ConfigRegistry,
  errors: FieldError[],
): ResolvedPolicy | undefined {
  const definition = registry.policies.get(att.name);
  if (!definition) {
    const hint = suggest(att.name, registry.policies.keys());
    errors.push({ path: `${path}.name`, message: `unknown policy ${JSON.stringify(att.name)}${hint ? ` (did you mean "${hint}"?)` : ''}` });
    return undefined;
  }
  const raw = att.config ?? {};
  const configPath = joinPath(path, 'config');
  const fieldErrors = schemaErrors(definition.schema, raw, configPath);
  if (fieldErrors.length > 0) {
    errors.push(...fieldErrors);
    return undefined;
  }
  const id = att.id ?? (owner ? `${scope}:${owner}:${att.name}` : `global:${att.name}`);
  return {
    id,
    name: att.name,
    scope,
    owner,
    enabled: att.enabled ?? true,
    shadow: att.mode === 'shadow',
    config: Value.Default(definition.schema, structuredClone(raw)),
    path,
    definition,
  };
}
