import { Value } from '@sinclair/typebox/value';
import type { ConsumerIdentity, RequestContext } from '../../core/context.js';
import { ConfigFieldError, type CompileContext, type CredentialRecord, type Decision, type PolicyDefinition, type PolicyHttpClient } from '../../core/policy.js';
import { DecisionTrace } from '../../core/trace.js';

/** Test helpers for the auth policies' unit tests (the integration tests use a real gateway). */

export interface FakeCompileOptions {
  readonly consumers?: readonly ConsumerIdentity[];
  /** Credentials as in the config document: `{ id, type, consumer, ...fields }`. */
  readonly credentials?: readonly ({ id: string; type: string; consumer: string } & Record<string, unknown>)[];
  readonly http?: PolicyHttpClient;
  readonly persistent?: Map<string, unknown>;
  readonly policyId?: string;
  readonly services?: Record<string, unknown>;
  /** Policy kinds `compilePolicy` may compile as parts (multi-auth); none when absent. */
  readonly policies?: readonly PolicyDefinition[];
  /** Config path of the policy's config (default `routes[0].policies[0].config`). */
  readonly configPath?: string;
}

const noHttp: PolicyHttpClient = { request: () => Promise.reject(new Error('no HTTP in this test')) };
const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

export function compileContext(o: FakeCompileOptions = {}): CompileContext {
  const consumers = new Map((o.consumers ?? []).map((c) => [c.id, c]));
  const persistent = o.persistent ?? new Map<string, unknown>();
  const policyId = o.policyId ?? 'route:r:test';
  const configPath = o.configPath ?? 'routes[0].policies[0].config';
  const creds: CredentialRecord[] = (o.credentials ?? []).map(({ id, type, consumer, ...fields }) => {
    const c = consumers.get(consumer);
    if (!c) throw new Error(`test credential ${id}: no consumer ${consumer}`);
    return { id, type, consumer: c, fields };
  });
  return {
    policyId,
    scope: 'route',
    path: configPath,
    persistent<T>(key: string, init: () => T): T {
      const k = `${policyId}\u0000${key}`;
      if (!persistent.has(k)) persistent.set(k, init());
      return persistent.get(k) as T;
    },
    credentials: (type) => creds.filter((c) => c.type === type),
    consumer: (id) => consumers.get(id),
    http: o.http ?? noHttp,
    log: silent,
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- mirrors ServiceRegistry.get
    services: { get: <T>(name: string) => o.services?.[name] as T | undefined },
    fail(rel: string, reason: string): never {
      throw new ConfigFieldError(rel ? `${configPath}.${rel}` : configPath, reason);
    },
    compilePolicy(name, raw, rel) {
      const definition = o.policies?.find((p) => p.name === name);
      if (!definition) return undefined;
      const first = Value.Errors(definition.schema, raw ?? {}).First();
      if (first) throw new ConfigFieldError(`${configPath}.${rel}${first.path.replace(/\//g, '.')}`, first.message);
      const config: unknown = Value.Default(definition.schema, structuredClone(raw ?? {}));
      return { definition, instance: definition.compile(config, compileContext({ ...o, policyId: `${policyId}/${name}`, persistent, configPath: `${configPath}.${rel}` })) };
    },
  };
}

export interface FakeRequestInit {
  readonly method?: string;
  readonly path?: string;
  readonly query?: string;
  readonly headers?: Record<string, string | string[]>;
  readonly body?: string;
  readonly dryRun?: boolean;
  readonly consumer?: ConsumerIdentity;
}

export interface FakeRequest extends RequestContext {
  /** What the policy asked to change upstream. */
  readonly edits: { set: Map<string, string>; removed: Set<string>; query?: string; body?: Uint8Array };
}

/** A RequestContext with just enough behaviour for a policy's evaluate(). */
export function request(init: FakeRequestInit = {}): FakeRequest {
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(init.headers ?? {})) headers[k.toLowerCase()] = v;
  const body = init.body !== undefined ? Buffer.from(init.body) : undefined;
  if (body && headers['content-length'] === undefined) headers['content-length'] = String(body.length);
  const edits: FakeRequest['edits'] = { set: new Map(), removed: new Set() };
  const locals = new Map<string, unknown>();
  const rawQuery = init.query ?? '';
  const req: FakeRequest = {
    id: 'req-1',
    method: init.method ?? 'GET',
    path: init.path ?? '/',
    rawQuery,
    query: new URLSearchParams(rawQuery),
    headers,
    header: (n) => {
      const v = headers[n.toLowerCase()];
      return Array.isArray(v) ? v[0] : v;
    },
    host: undefined,
    clientIp: '127.0.0.1',
    remoteAddress: '127.0.0.1',
    contentLength: body?.length,
    hasBody: (body?.length ?? 0) > 0,
    route: { id: 'r', serviceId: 's', params: {}, tags: [] },
    consumer: init.consumer,
    credential: undefined,
    trace: new DecisionTrace(),
    configVersion: 1,
    dryRun: init.dryRun ?? false,
    upstream: {
      setHeader: (n, v) => {
        edits.set.set(n.toLowerCase(), v);
        edits.removed.delete(n.toLowerCase());
      },
      removeHeader: (n) => {
        edits.removed.add(n.toLowerCase());
        edits.set.delete(n.toLowerCase());
      },
      setPath: () => undefined,
      setQuery: (q) => {
        edits.query = q;
      },
      setBody: (b) => {
        edits.body = b;
      },
    },
    setResponseHeader: () => undefined,
    readBody: (limit) => (body && body.length > limit ? Promise.reject(new Error('too large')) : Promise.resolve(body ?? new Uint8Array(0))),
    locals,
    annotate: () => undefined,
    edits,
  };
  return req;
}

/** Awaits a decision that may or may not be a promise. */
export async function decided(d: Decision | Promise<Decision>): Promise<Decision> {
  return d;
}
