import { Value } from '@sinclair/typebox/value';
import type { ConsumerIdentity } from '../core/context.js';
import { buildChain, type Chain, type PolicyAttachment } from '../core/chain.js';
import { CidrSet } from '../core/ip.js';
import { ConfigFieldError, type CompileContext, type CredentialRecord, type PolicyHttpClient, type PolicyInstance, type PolicyLogger, type ServiceRegistry } from '../core/policy.js';
import type { ErrorDialect, ErrorDialects } from '../core/problem.js';
import type { ReasonTable } from '../core/reasons.js';
import type { ServiceHandler } from '../core/service-kind.js';
import type { PolicyScope, TraceEntry } from '../core/trace.js';
import { ConfigError, joinPath, schemaErrors, type FieldError } from '../config/field-errors.js';
import type { ConfigRegistry } from '../config/registry.js';
import type { ResolvedConfig, ResolvedPolicy } from '../config/resolve.js';
import type { RouteConfig } from '../config/schema.js';
import { Router } from './router.js';
import { DEFAULT_TRACE_RING } from './traces.js';
import { compileUpstream, type CompiledUpstream } from './upstream/compile.js';
import type { PoolManager } from './upstream/pools.js';
import type { TargetRegistry } from './upstream/target.js';
import { compileRewrite, type PathRewrite } from './rewrite.js';

export type CompiledService =
  | { readonly id: string; readonly kind: 'http'; readonly upstream: CompiledUpstream }
  | { readonly id: string; readonly kind: string; readonly handler: ServiceHandler };

export interface CompiledRoute {
  readonly id: string;
  readonly config: RouteConfig;
  readonly service: CompiledService;
  readonly chain: Chain;
  readonly tags: readonly string[];
  readonly rewrite: PathRewrite | undefined;
  readonly dialect: ErrorDialect;
  /** The trace entry of a request entering this route: the same (frozen) object for every request. */
  readonly entered: TraceEntry;
}

export interface GatewaySettingsCompiled {
  readonly trustedProxies: CidrSet | undefined;
  readonly requestIdHeader: string;
  readonly traceRingSize: number;
  readonly persistTraces: 'denied' | 'none';
}

/** An immutable, compiled config version. Requests keep the snapshot they started with. */
export interface Snapshot {
  readonly version: number;
  readonly hash: string;
  readonly createdAt: string;
  readonly resolved: ResolvedConfig;
  readonly settings: GatewaySettingsCompiled;
  readonly router: Router<CompiledRoute>;
  readonly services: ReadonlyMap<string, CompiledService>;
  readonly consumers: ReadonlyMap<string, ConsumerIdentity>;
  readonly consumerPolicies: (consumerId: string) => readonly PolicyAttachment[] | undefined;
  readonly instances: readonly PolicyInstance[];
  readonly dialects: ErrorDialects;
  /** In-flight requests on this snapshot; it is retired when swapped out and this drops to 0. */
  inflight: number;
}

/** What compiling needs from the running gateway (shared state, services). */
export interface CompileDeps {
  readonly registry: ConfigRegistry;
  readonly reasons: ReasonTable;
  readonly dialects: ErrorDialects;
  readonly pools: PoolManager;
  readonly targets: TargetRegistry;
  readonly persistent: Map<string, unknown>;
  readonly http: PolicyHttpClient;
  readonly log: PolicyLogger;
  readonly services: ServiceRegistry;
}

/**
 * Compiles a validated config into a snapshot. Policy `compile` errors refuse the config whole,
 * naming the field. Pools acquired here are released if compilation fails.
 */
export function compileSnapshot(resolved: ResolvedConfig, version: number, deps: CompileDeps): Snapshot {
  const errors: FieldError[] = [];
  const acquiredPools: string[] = [];
  const consumers = new Map<string, ConsumerIdentity>(
    resolved.consumers.map((c) => [c.id, Object.freeze({ id: c.id, groups: Object.freeze([...(c.groups ?? [])]) })]),
  );
  const credentialsByType = new Map<string, CredentialRecord[]>();
  for (const cred of resolved.credentials) {
    const { id, type, ...fields } = cred.config;
    const list = credentialsByType.get(type) ?? [];
    list.push({ id, type, consumer: consumers.get(cred.consumerId)!, fields });
    credentialsByType.set(type, list);
  }
  const instances: PolicyInstance[] = [];
  const compilePolicy = (p: ResolvedPolicy): PolicyAttachment | undefined => {
    const ctx = compileContext(p.id, p.scope, joinPath(p.path, 'config'), deps, credentialsByType, consumers, (i) => instances.push(i));
    try {
      // A disabled attachment only switches a broader one off: it never runs, so it needs no complete config.
      const instance = p.enabled ? p.definition.compile(p.config, ctx) : DISABLED;
      instances.push(instance);
      const ref = Object.freeze({ id: p.id, name: p.name, scope: p.scope });
      return { enabled: p.enabled, step: { ref, phase: p.definition.phase, priority: p.definition.priority ?? 100, shadow: p.shadow, instance } };
    } catch (err) {
      errors.push(toFieldError(err, joinPath(p.path, 'config')));
      return undefined;
    }
  };
  const byScope = (scope: PolicyScope, owner?: string) =>
    resolved.policies.filter((p) => p.scope === scope && p.owner === owner).map(compilePolicy).filter((a): a is PolicyAttachment => a !== undefined);

  const global = byScope('global');
  const services = new Map<string, CompiledService>();
  const serviceAttachments = new Map<string, PolicyAttachment[]>();
  resolved.services.forEach((s, i) => {
    serviceAttachments.set(s.id, byScope('service', s.id));
    const kind = s.kind ?? 'http';
    try {
      if (kind === 'http') {
        const upstream = compileUpstream(s.id, s.upstream!, deps.pools, deps.targets);
        acquiredPools.push(...upstream.targets.map((t) => t.poolKey));
        services.set(s.id, { id: s.id, kind: 'http', upstream });
      } else {
        const def = deps.registry.serviceKinds.get(kind)!;
        const ctx = {
          ...compileContext(`service:${s.id}`, 'service', `services[${i}].config`, deps, credentialsByType, consumers),
          serviceId: s.id,
          section: (key: string): unknown => resolved.document[key],
        };
        services.set(s.id, { id: s.id, kind, handler: def.compile(s.config ?? {}, ctx) });
      }
    } catch (err) {
      errors.push(toFieldError(err, `services[${i}]`));
    }
  });
  const consumerAttachments = new Map<string, PolicyAttachment[]>();
  for (const c of resolved.consumers) {
    const atts = byScope('consumer', c.id);
    if (atts.length > 0) consumerAttachments.set(c.id, atts);
  }
  const routes = resolved.routes.map((r, i) => {
    const service = services.get(r.service);
    const chain = buildChain([...global, ...(serviceAttachments.get(r.service) ?? []), ...byScope('route', r.id)]);
    const kindDef = service && service.kind !== 'http' ? deps.registry.serviceKinds.get(service.kind) : undefined;
    const dialectName = r.error_format ?? kindDef?.defaultErrorFormat?.(r.paths) ?? 'problem';
    if (!deps.dialects.has(dialectName)) errors.push({ path: `routes[${i}].error_format`, message: `unknown error format ${JSON.stringify(dialectName)}` });
    return {
      config: r,
      payload: { id: r.id, config: r, service: service!, chain, tags: r.tags ?? [], rewrite: compileRewrite(r), dialect: deps.dialects.get(dialectName), entered: routeEntry(r.id, r.service) },
      // A shadowed policy does not enforce its answer: the preflight would go upstream.
      preflight: chain.steps.some((s) => s.instance.answersPreflight === true && !s.shadow),
    };
  });
  let router: Router<CompiledRoute> | undefined;
  try {
    router = new Router(routes);
  } catch (err) {
    if (err instanceof ConfigError) errors.push(...err.errors);
    else throw err;
  }
  if (errors.length > 0 || !router) {
    for (const key of acquiredPools) deps.pools.release(key);
    for (const inst of instances) void Promise.resolve(inst.close?.()).catch(() => undefined);
    for (const svc of services.values()) if ('handler' in svc) void Promise.resolve(svc.handler.close?.()).catch(() => undefined);
    throw new ConfigError(errors);
  }
  const g = resolved.document.gateway;
  return {
    version,
    hash: resolved.hash,
    createdAt: new Date().toISOString(),
    resolved,
    settings: {
      trustedProxies: g?.trusted_proxies && g.trusted_proxies.length > 0 ? new CidrSet(g.trusted_proxies) : undefined,
      requestIdHeader: (g?.request_id_header ?? 'x-request-id').toLowerCase(),
      traceRingSize: g?.trace_ring_size ?? DEFAULT_TRACE_RING,
      persistTraces: g?.persist_traces ?? 'denied',
    },
    router,
    services,
    consumers,
    consumerPolicies: (id) => consumerAttachments.get(id),
    instances,
    dialects: deps.dialects,
    inflight: 0,
  };
}

const DISABLED: PolicyInstance = { evaluate: () => ({ outcome: 'skip', detail: 'disabled' }) };

function routeEntry(route: string, service: string): TraceEntry {
  return Object.freeze({ step: 'route', phase: 'route', outcome: 'allow', detail: `route ${route} -> service ${service}`, data: Object.freeze({ route, service }), ms: 0 });
}

function toFieldError(err: unknown, fallbackPath: string): FieldError {
  if (err instanceof ConfigFieldError) return { path: err.path, message: err.reason };
  if (err instanceof ConfigError) return err.errors[0] ?? { path: fallbackPath, message: err.message };
  return { path: fallbackPath, message: err instanceof Error ? err.message : String(err) };
}

function compileContext(
  policyId: string,
  scope: PolicyScope,
  path: string,
  deps: CompileDeps,
  credentials: ReadonlyMap<string, CredentialRecord[]>,
  consumers: ReadonlyMap<string, ConsumerIdentity>,
  compiled?: (instance: PolicyInstance) => void,
): CompileContext {
  return {
    policyId,
    scope,
    path,
    persistent<T>(key: string, init: () => T): T {
      const k = `${policyId}\u0000${key}`;
      if (!deps.persistent.has(k)) deps.persistent.set(k, init());
      return deps.persistent.get(k) as T;
    },
    credentials: (type) => credentials.get(type) ?? [],
    consumer: (id) => consumers.get(id),
    http: deps.http,
    log: deps.log,
    services: deps.services,
    fail(relativePath: string, reason: string): never {
      throw new ConfigFieldError(joinPath(path, relativePath), reason);
    },
    // A policy composing others (multi-auth): validated and compiled like an attachment of its own.
    compilePolicy: compiled
      ? (name, raw, relativePath) => {
          const definition = deps.registry.policies.get(name);
          if (!definition) return undefined;
          const at = joinPath(path, relativePath);
          const errors = schemaErrors(definition.schema, raw ?? {}, at);
          if (errors.length > 0) throw new ConfigError(errors);
          const config: unknown = Value.Default(definition.schema, structuredClone(raw ?? {}));
          const instance = definition.compile(config, compileContext(`${policyId}/${name}`, scope, at, deps, credentials, consumers, compiled));
          compiled(instance);
          return { definition, instance };
        }
      : undefined,
  };
}
