import type { TSchema } from '@sinclair/typebox';
import type { ConsumerIdentity, RequestContext } from './context.js';
import type { RequestPhase } from './phases.js';
import type { ReasonDefinition } from './reasons.js';
import type { ProblemFieldError } from './problem.js';
import type { PolicyScope } from './trace.js';

/** What a policy decided for one request. Every outcome lands in the decision trace. */
export type Decision = AllowDecision | DenyDecision | SkipDecision | RespondDecision;

export interface AllowDecision {
  readonly outcome: 'allow';
  readonly code?: string;
  readonly detail?: string;
  readonly data?: Readonly<Record<string, unknown>>;
}

export interface DenyDecision {
  readonly outcome: 'deny';
  /** Reason code from the policy's `reasons`; its status is what the client gets. */
  readonly code: string;
  /** Client-safe explanation. Never include secrets: it is sent to the caller. */
  readonly detail: string;
  /** Extra response headers (`WWW-Authenticate`, `Retry-After`…). */
  readonly headers?: Readonly<Record<string, string>>;
  /** What the policy looked at, for the operator's trace only (never sent to the client). */
  readonly data?: Readonly<Record<string, unknown>>;
  /** Each offending field (e.g. of a request that fails validation): the problem's `errors` member. */
  readonly errors?: readonly ProblemFieldError[];
}

export interface SkipDecision {
  readonly outcome: 'skip';
  /** Why the policy did not apply (e.g. "method OPTIONS is exempt"). */
  readonly detail: string;
  readonly code?: string;
  readonly data?: Readonly<Record<string, unknown>>;
}

/**
 * The policy answers the request itself with a gateway-produced, non-error response and no body
 * (a CORS preflight, a redirect): no later policy runs and nothing is forwarded. In shadow mode it
 * is only recorded.
 */
export interface RespondDecision {
  readonly outcome: 'respond';
  /** Reason code from the policy's `reasons`: its status (2xx or 3xx) is the response status. */
  readonly code: string;
  /** For the trace: what was answered. */
  readonly detail: string;
  /** Response headers (the response hooks of evaluated policies run too). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly data?: Readonly<Record<string, unknown>>;
}

const ALLOW_PLAIN: AllowDecision = Object.freeze({ outcome: 'allow' });

export function allow(detail?: string, data?: Readonly<Record<string, unknown>>): AllowDecision {
  if (detail === undefined && data === undefined) return ALLOW_PLAIN;
  return { outcome: 'allow', detail, data };
}

export function deny(
  code: string,
  detail: string,
  extra?: { headers?: Readonly<Record<string, string>>; data?: Readonly<Record<string, unknown>>; errors?: readonly ProblemFieldError[] },
): DenyDecision {
  const d: DenyDecision = { outcome: 'deny', code, detail, headers: extra?.headers, data: extra?.data };
  return extra?.errors ? { ...d, errors: extra.errors } : d;
}

export function respond(
  code: string,
  detail: string,
  extra?: { headers?: Readonly<Record<string, string>>; data?: Readonly<Record<string, unknown>> },
): RespondDecision {
  return { outcome: 'respond', code, detail, headers: extra?.headers, data: extra?.data };
}

export function skip(detail: string, data?: Readonly<Record<string, unknown>>): SkipDecision {
  return { outcome: 'skip', detail, data };
}

/** What the response phase may look at. */
export interface ResponseInfo {
  readonly status: number;
  readonly answeredBy: 'gateway' | 'upstream';
  /** Reason code when the gateway answered. */
  readonly code?: string;
  /** Lower-case response headers as they will be sent (read-only view). */
  readonly headers: Readonly<Record<string, string | string[] | number | undefined>>;
  setHeader(name: string, value: string): void;
}

/** What the finish hook may look at (after the response completed or the client went away). */
export interface FinishInfo {
  readonly status: number;
  readonly answeredBy: 'gateway' | 'upstream';
  readonly durationMs: number;
  /** False when the client disconnected before the response completed. */
  readonly completed: boolean;
}

/** A compiled policy: built once per config version, evaluated per request. */
export interface PolicyInstance {
  /** Return synchronously when possible: the pipeline stays synchronous until a policy returns a promise. */
  evaluate(ctx: RequestContext): Decision | Promise<Decision>;
  /** Response phase: add headers to the response (allowed or denied). Must be synchronous and cheap. */
  onResponse?(ctx: RequestContext, res: ResponseInfo): void;
  /** Called once when the request is over (e.g. to release a concurrency slot). */
  onFinish?(ctx: RequestContext, info: FinishInfo): void;
  /** Called when the config version that compiled this instance is retired and drained. */
  close?(): void | Promise<void>;
  /**
   * This instance answers CORS preflights itself (OPTIONS with Access-Control-Request-Method): a
   * route restricted to other methods hands such a request to its policies instead of answering 405.
   */
  readonly answersPreflight?: boolean;
}

/** A consumer credential as the policy that owns its type sees it (type-specific fields are validated by its schema). */
export interface CredentialRecord {
  readonly id: string;
  readonly type: string;
  readonly consumer: ConsumerIdentity;
  readonly fields: Readonly<Record<string, unknown>>;
}

/** Minimal HTTP client for policies that call out (JWKS, introspection); provided by the gateway. */
export interface PolicyHttpClient {
  request(url: string, init: {
    method?: string;
    headers?: Record<string, string>;
    body?: string | Uint8Array;
    timeoutMs?: number;
  }): Promise<{ status: number; headers: Record<string, string>; body: Uint8Array }>;
}

/** Logger surface a policy may use (pino-compatible subset). */
export interface PolicyLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/**
 * Shared services keyed by name (e.g. `counters` for rate limits). The gateway registers them;
 * a policy asks by name and must say what happens when one is missing.
 */
export interface ServiceRegistry {
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- typed lookup by name
  get<T>(name: string): T | undefined;
}

/** Thrown at compile time to refuse a config, naming the exact field. */
export class ConfigFieldError extends Error {
  constructor(readonly path: string, readonly reason: string) {
    super(`${path}: ${reason}`);
    this.name = 'ConfigFieldError';
  }
}

/** Given to `compile`: where the policy sits and what the gateway offers it. */
export interface CompileContext {
  readonly policyId: string;
  readonly scope: PolicyScope;
  /** Config path of this policy's `config` object, e.g. `routes[1].policies[0].config`. */
  readonly path: string;
  /** State that survives recompiles of the same policy id (counters, caches). */
  persistent<T>(key: string, init: () => T): T;
  /** Credentials of the given type across all consumers of this config version. */
  credentials(type: string): readonly CredentialRecord[];
  /** Consumers by id (for anonymous fallbacks, claim mapping…). */
  consumer(id: string): ConsumerIdentity | undefined;
  readonly http: PolicyHttpClient;
  readonly log: PolicyLogger;
  readonly services: ServiceRegistry;
  /** Refuse the config: `relativePath` is appended to this policy's config path. */
  fail(relativePath: string, reason: string): never;
  /**
   * Compiles another registered policy kind as part of this one, for policies that compose others
   * (e.g. `multi-auth` holding several authentication methods). `config` is validated against that
   * kind's schema, with errors under `relativePath` of this policy's config, and gets its defaults.
   * The part has its own id `<this id>/<name>` (its own persistent state) and is closed with this
   * config version. Undefined when no policy kind has that name. Absent where composing is not offered.
   */
  compilePolicy?(name: string, config: unknown, relativePath: string): CompiledPart | undefined;
}

/** A policy compiled as part of another one (see `CompileContext.compilePolicy`). */
export interface CompiledPart {
  readonly definition: PolicyDefinition;
  readonly instance: PolicyInstance;
}

/**
 * A policy kind: one folder under src/policies/<name>/. `name` is the config key and folder name.
 * `compile` runs once per config version; the instance it returns serves every request.
 */
export interface PolicyDefinition<C = unknown> {
  readonly name: string;
  readonly phase: RequestPhase;
  /** Order within the phase (lower first). Defaults to 100. */
  readonly priority?: number;
  /** One-line description (docs, console, admin OpenAPI). */
  readonly summary: string;
  /** JSON Schema of the policy's `config`: drives validation, OpenAPI, console forms and docs. */
  readonly schema: TSchema;
  readonly reasons: readonly ReasonDefinition[];
  /** A credential type this policy owns, with the schema of its fields on a consumer. */
  readonly credential?: { readonly type: string; readonly schema: TSchema };
  compile(config: C, ctx: CompileContext): PolicyInstance;
}

/** Identity helper that infers `C` from the schema's static type at the definition site. */
export function definePolicy<C>(def: PolicyDefinition<C>): PolicyDefinition<C> {
  return def;
}
