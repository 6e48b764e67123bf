import { createHash } from 'node:crypto';
import type { Dispatcher } from 'undici';
import { parseDuration } from '../../core/duration.js';
import { ConfigFieldError } from '../../core/policy.js';
import { suggest } from '../../config/field-errors.js';
import type { ProviderAdapter, Target } from '../providers/contract.js';
import { lookupModel, type ModelFacts } from '../catalog/catalog.js';
import { masterKeysFromEnv, resolveSecret, SecretError, type MasterKey } from '../keys/crypto.js';
import { GoogleTokenError, isServiceAccountKey, type GoogleTokenSource, type TokenSource } from '../keys/google-token.js';
import { KeyHealth, KeyPool, type ProviderKey } from '../keys/key-pool.js';
import type { CircuitBreaker } from '../routing/breaker.js';
import { DEFAULT_ROUTING, mergeRouting, type RoutingSettings } from '../routing/settings.js';
import type { Weighted } from '../routing/weighted.js';
import type { AiRuntime } from '../runtime.js';
import type { PoolLease } from '../upstream/pools.js';
import type { AiSection, ProviderConfig, ProviderKeyConfig } from './schema.js';

/** One provider of this config version: its adapter, origin and keys. */
export interface CompiledProvider {
  readonly id: string;
  readonly type: string;
  readonly adapter: ProviderAdapter;
  readonly baseUrl: string;
  /** `scheme://host[:port]`, the pool key; `call.url` = origin + path. */
  readonly origin: string;
  readonly keys: KeyPool<KeyMaterial>;
  readonly connectTimeoutMs: number;
  readonly connections: number;
  readonly keepAliveMs: number;
  /** The undici pool of this provider's origin (taken on first use, shared across versions). */
  pool(): Dispatcher;
  /** This version is done with the pool (it closes when no version uses it). */
  releasePool(): void;
}

/** Decrypted credential fields of one key (kept in memory only). */
export interface KeyMaterial {
  readonly apiKey?: string;
  readonly aws?: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
  /**
   * Bearer tokens minted per attempt from a service-account key (Vertex AI); `apiKey` is then unset
   * and each attempt's Target carries the current token.
   */
  readonly tokenSource?: TokenSource;
  /** The project the credential belongs to (a service-account key's `project_id`), when `project` is not set. */
  readonly project?: string;
}

interface ResolvedKey {
  readonly material: KeyMaterial;
  /** Identifies the secret (a hash): a new secret under the same key id starts healthy. */
  readonly fingerprint: string;
}

/** A (provider, model) target of a model name, with its breaker and precomputed prices. */
export interface Deployment extends Weighted {
  readonly provider: CompiledProvider;
  readonly providerModel: string;
  /** `provider/model`, for headers, traces and logs. */
  readonly label: string;
  readonly breaker: CircuitBreaker;
  readonly facts: ModelFacts;
  /** The adapter's Target for each key (built once per version: nothing is assembled per request). */
  readonly targets: ReadonlyMap<ProviderKey<KeyMaterial>, Target>;
}

export interface CompiledModel {
  readonly name: string;
  readonly type: 'chat' | 'embedding';
  readonly hidden: boolean;
  readonly deployments: readonly Deployment[];
  fallbacks: readonly CompiledModel[];
  readonly routing: RoutingSettings;
}

export interface CompiledAi {
  /** Model names and aliases → model. */
  readonly byName: ReadonlyMap<string, CompiledModel>;
  readonly models: readonly CompiledModel[];
  readonly aliases: ReadonlyMap<string, string>;
  readonly providers: ReadonlyMap<string, CompiledProvider>;
  /** One more service handler of this version uses the section. */
  retain(): void;
  /** A handler closed; the last one lets go of the provider pools. */
  release(): void;
}

export interface AiCompileDeps {
  readonly adapter: (type: string) => ProviderAdapter | undefined;
  readonly adapterIds: () => Iterable<string>;
  readonly runtime: AiRuntime;
  readonly env?: NodeJS.ProcessEnv;
}

const fail = (path: string, reason: string): never => {
  throw new ConfigFieldError(path, reason);
};

const TARGET_FIELD: Partial<Record<keyof Target, string>> = {
  apiKey: 'keys[].secret',
  apiVersion: 'api_version',
  region: 'region',
  project: 'project',
  organization: 'organization',
  awsCredentials: 'keys[].aws_access_key_id / aws_secret_access_key',
};

function checkBaseUrl(raw: string, path: string): { baseUrl: string; origin: string } {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return fail(path, `${JSON.stringify(raw)} is not an http(s) URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') fail(path, `${JSON.stringify(raw)} is not an http(s) URL`);
  if (u.username || u.password) fail(path, 'must not carry credentials (use keys)');
  return { baseUrl: raw.replace(/\/+$/, ''), origin: u.origin };
}

function keyMaterial(k: ProviderKeyConfig, path: string, masters: readonly MasterKey[], env: NodeJS.ProcessEnv, a: ProviderAdapter, runtime: AiRuntime): ResolvedKey {
  const secret = (field: 'secret' | 'aws_secret_access_key' | 'aws_session_token'): string | undefined => {
    const ref = k[field];
    if (ref === undefined) return undefined;
    try {
      return resolveSecret(ref, masters, env);
    } catch (err) {
      if (err instanceof SecretError) return fail(`${path}.${field}`, err.message);
      throw err;
    }
  };
  const apiKey = secret('secret');
  const sak = secret('aws_secret_access_key');
  if (k.aws_access_key_id && !sak) fail(`${path}.aws_secret_access_key`, 'is required with aws_access_key_id');
  if (!apiKey && !k.aws_access_key_id) fail(path, 'set "secret" (or aws_access_key_id and aws_secret_access_key for Bedrock SigV4)');
  const aws = k.aws_access_key_id && sak ? { accessKeyId: k.aws_access_key_id, secretAccessKey: sak, sessionToken: secret('aws_session_token') } : undefined;
  const fingerprint = createHash('sha256').update(`${apiKey ?? ''}\u0000${aws?.accessKeyId ?? ''}\u0000${aws?.secretAccessKey ?? ''}`).digest('hex').slice(0, 16);
  if (apiKey && a.auth === 'bearer' && isServiceAccountKey(apiKey)) {
    // Parsed (and its private key read) here, once per key: the runtime keeps the source across reloads.
    let tokenSource: GoogleTokenSource;
    try {
      tokenSource = runtime.googleTokens.get(apiKey);
    } catch (err) {
      if (err instanceof GoogleTokenError) return fail(`${path}.secret`, err.message);
      throw err;
    }
    return { material: { aws, tokenSource, project: tokenSource.key.projectId }, fingerprint };
  }
  return { material: { apiKey, aws }, fingerprint };
}

function compileProvider(p: ProviderConfig, i: number, deps: AiCompileDeps, masters: readonly MasterKey[]): CompiledProvider {
  const path = `ai.providers[${i}]`;
  const type = p.type ?? p.id;
  const adapter = deps.adapter(type);
  if (!adapter) {
    const hint = suggest(type, deps.adapterIds());
    fail(`${path}.${p.type ? 'type' : 'id'}`, `unknown provider type ${JSON.stringify(type)}${hint ? ` (did you mean "${hint}"?)` : ''}; set "type" to one of the adapters listed in docs/ai.md`);
  }
  const a = adapter!;
  const rawBase = p.base_url ?? a.defaultBaseUrlFor?.({ region: p.region, project: p.project }) ?? a.defaultBaseUrl;
  if (!rawBase) fail(`${path}.base_url`, `is required for provider type ${type} (it has no default address)`);
  const { baseUrl, origin } = checkBaseUrl(rawBase!, `${path}.base_url`);
  const env = deps.env ?? process.env;
  const configured = p.keys ?? [];
  if (configured.length === 0 && a.auth !== 'none') fail(`${path}.keys`, `provider type ${type} authenticates (${a.auth}): add at least one key`);
  const seen = new Set<string>();
  const keys: ProviderKey<KeyMaterial>[] = configured.map((k, j) => {
    const kp = `${path}.keys[${j}]`;
    if (seen.has(k.id)) fail(`${kp}.id`, `duplicate key id ${JSON.stringify(k.id)}`);
    seen.add(k.id);
    const { material, fingerprint } = keyMaterial(k, kp, masters, env, a, deps.runtime);
    return { id: k.id, weight: k.weight ?? 100, priority: k.priority ?? 0, health: deps.runtime.keyHealth(p.id, k.id, fingerprint), material };
  });
  if (keys.length === 0) keys.push({ id: '-', weight: 100, priority: 0, health: new KeyHealth(), material: {} });
  else if (keys.every((k) => k.weight === 0)) fail(`${path}.keys`, 'every key has weight 0: no request could be served');
  for (const field of a.requires ?? []) {
    if (field === 'apiKey' || field === 'providerModel' || field === 'baseUrl' || field === 'deployment') continue;
    const has =
      field === 'awsCredentials'
        ? keys.some((k) => k.material.aws)
        : p[TARGET_FIELD[field] as keyof ProviderConfig] !== undefined || (field === 'project' && keys.every((k) => k.material.project !== undefined));
    if (!has) fail(`${path}.${field === 'awsCredentials' ? 'keys' : TARGET_FIELD[field] ?? field}`, `is required by provider type ${type}`);
  }
  const settings = {
    connectTimeoutMs: parseDuration(p.timeouts?.connect ?? '5s') ?? 5000,
    connections: p.pool?.connections ?? 256,
    keepAliveMs: parseDuration(p.pool?.keep_alive ?? '60s') ?? 60_000,
  };
  let lease: PoolLease | undefined;
  return {
    id: p.id,
    type,
    adapter: a,
    baseUrl,
    origin,
    keys: new KeyPool(keys),
    ...settings,
    pool: () => (lease ??= deps.runtime.pools.acquire(origin, settings)).pool,
    releasePool: () => {
      lease?.release();
      // A section compiled again from the cache (the same document) takes the pool anew.
      lease = undefined;
    },
  };
}

function targetFor(p: CompiledProvider, cfg: ProviderConfig, providerModel: string, k: ProviderKey<KeyMaterial>): Target {
  return Object.freeze({
    providerModel,
    baseUrl: p.baseUrl,
    apiKey: k.material.apiKey,
    apiVersion: cfg.api_version,
    region: cfg.region,
    project: cfg.project ?? k.material.project,
    organization: cfg.organization,
    awsCredentials: k.material.aws,
    extraHeaders: cfg.headers,
  });
}

/**
 * Compiles the `ai:` section once per config version: adapters found, keys decrypted, prices
 * looked up, fallbacks and aliases resolved. Refuses the config with the exact field path.
 */
export function compileAiSection(section: AiSection, deps: AiCompileDeps): CompiledAi {
  deps.runtime.googleTokens.sweep();
  const masters = masterKeysFromEnv(deps.env);
  const providers = new Map<string, CompiledProvider>();
  const providerCfg = new Map<string, ProviderConfig>();
  section.providers.forEach((p, i) => {
    if (providers.has(p.id)) fail(`ai.providers[${i}].id`, `duplicate provider id ${JSON.stringify(p.id)}`);
    providers.set(p.id, compileProvider(p, i, deps, masters));
    providerCfg.set(p.id, p);
  });
  const base = mergeRouting(DEFAULT_ROUTING, section.routing);
  const overrides = section.catalog ?? {};
  const byName = new Map<string, CompiledModel>();
  const models: CompiledModel[] = section.models.map((m, i) => {
    const path = `ai.models[${i}]`;
    if (byName.has(m.name)) fail(`${path}.name`, `duplicate model name ${JSON.stringify(m.name)}`);
    const deployments = m.targets.map((t, j): Deployment => {
      const p = providers.get(t.provider);
      if (!p) {
        const hint = suggest(t.provider, providers.keys());
        return fail(`${path}.targets[${j}].provider`, `no provider with id ${JSON.stringify(t.provider)}${hint ? ` (did you mean "${hint}"?)` : ''}`);
      }
      const targets = new Map(p.keys.keys.map((k) => [k, targetFor(p, providerCfg.get(p.id)!, t.model, k)] as const));
      return {
        provider: p,
        providerModel: t.model,
        label: `${p.id}/${t.model}`,
        weight: t.weight ?? 100,
        priority: t.priority ?? 0,
        breaker: deps.runtime.breaker(p.id, t.model),
        facts: lookupModel(p.id, p.type, t.model, overrides),
        targets,
      };
    });
    if (deployments.every((d) => d.weight === 0)) fail(`${path}.targets`, 'every target has weight 0: no request could be served');
    const type = m.type ?? 'chat';
    if (type === 'embedding') {
      deployments.forEach((d, j) => {
        if (!d.provider.adapter.embeddings) fail(`${path}.targets[${j}].provider`, `provider type ${d.provider.type} has no embeddings API`);
      });
    }
    const cm: CompiledModel = {
      name: m.name,
      type,
      hidden: m.hidden ?? false,
      deployments: [...deployments].sort((a, b) => a.priority - b.priority),
      fallbacks: [],
      routing: mergeRouting(base, m.routing),
    };
    byName.set(m.name, cm);
    return cm;
  });
  const aliases = new Map<string, string>();
  for (const [alias, target] of Object.entries(section.aliases ?? {})) {
    const path = `ai.aliases[${JSON.stringify(alias)}]`;
    if (byName.has(alias)) fail(path, `${JSON.stringify(alias)} is already a model name`);
    const m = byName.get(target);
    if (!m) {
      const hint = suggest(target, byName.keys());
      fail(path, `no model named ${JSON.stringify(target)}${hint ? ` (did you mean "${hint}"?)` : ''}`);
    }
    aliases.set(alias, target);
  }
  for (const [alias, target] of aliases) byName.set(alias, byName.get(target)!);
  section.models.forEach((m, i) => {
    models[i]!.fallbacks = (m.fallbacks ?? []).map((name, j) => {
      const fb = byName.get(name);
      if (!fb) {
        const hint = suggest(name, byName.keys());
        return fail(`ai.models[${i}].fallbacks[${j}]`, `no model named ${JSON.stringify(name)}${hint ? ` (did you mean "${hint}"?)` : ''}`);
      }
      if (fb === models[i]) fail(`ai.models[${i}].fallbacks[${j}]`, 'a model cannot fall back to itself');
      if (fb.type !== models[i]!.type) fail(`ai.models[${i}].fallbacks[${j}]`, `${name} is a ${fb.type} model, ${m.name} a ${models[i]!.type} model`);
      return fb;
    });
  });
  let users = 0;
  return {
    byName,
    models,
    aliases,
    providers,
    retain: () => {
      users++;
    },
    release: () => {
      if (--users > 0) return;
      for (const p of providers.values()) p.releasePool();
    },
  };
}
