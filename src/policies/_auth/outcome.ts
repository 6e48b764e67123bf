import type { ConsumerIdentity, CredentialIdentity, RequestContext } from '../../core/context.js';
import { deny, type AllowDecision, type CompileContext, type Decision } from '../../core/policy.js';
import { defineReasons } from '../../core/reasons.js';

/** Codes every authentication policy may produce, listed in each one's `reasons`. */
export const SHARED_AUTH_REASONS = defineReasons([
  {
    code: 'auth.anonymous',
    status: 200,
    title: 'Anonymous consumer',
    description: 'Trace only: the request carried no credential of this kind and the policy\'s `anonymous` consumer was used. Its groups come from that consumer\'s own entry and it is marked anonymous, so `acl` and the other authorization policies still apply to it.',
  },
  {
    code: 'auth.consumer_mismatch',
    status: 401,
    title: 'Credentials of different consumers',
    description: 'Several authentication policies apply to this route (all must pass) and their credentials identify different consumers. Send the credentials of one consumer.',
  },
  {
    code: 'auth.failed_open',
    status: 200,
    title: 'Authentication dependency unavailable (fail open)',
    description: 'Trace only: the policy could not reach the endpoint it needs (JWKS, introspection) and is configured with `fail_open: true`, so the request continued without an authenticated consumer (the `anonymous` one when configured). Without `fail_open` the answer is 503 `policy.unavailable`.',
  },
]);

/** What every authentication policy shares, compiled once. */
export interface AuthBase {
  /** Policy name, for trace details. */
  readonly kind: string;
  /** The anonymous consumer (marked `anonymous: true`, groups from its config), when configured. */
  readonly anonymous: ConsumerIdentity | undefined;
  /** WWW-Authenticate value sent when no credential was presented. */
  readonly challenge: string;
  /** Set x-consumer-id / x-credential-id / x-anonymous-consumer on the upstream request. */
  readonly upstreamHeaders: boolean;
}

export interface AuthBaseConfig {
  readonly anonymous?: string;
  readonly upstream_headers?: boolean;
}

/** Resolves the shared settings; refuses an `anonymous` that names no consumer. */
export function compileAuthBase(kind: string, config: AuthBaseConfig, challengeValue: string, ctx: CompileContext): AuthBase {
  let anonymous: ConsumerIdentity | undefined;
  if (config.anonymous !== undefined) {
    const c = ctx.consumer(config.anonymous);
    if (!c) ctx.fail('anonymous', `no consumer with id ${JSON.stringify(config.anonymous)}`);
    anonymous = Object.freeze({ id: c.id, groups: c.groups, anonymous: true });
  }
  return { kind, anonymous, challenge: challengeValue, upstreamHeaders: config.upstream_headers ?? true };
}

const CONSUMER_HEADERS = ['x-consumer-id', 'x-credential-id', 'x-anonymous-consumer'] as const;

function tellUpstream(ctx: RequestContext, base: AuthBase): void {
  if (!base.upstreamHeaders) return;
  const up = ctx.upstream;
  for (const h of CONSUMER_HEADERS) up.removeHeader(h);
  if (ctx.consumer) up.setHeader('x-consumer-id', ctx.consumer.id);
  if (ctx.credential) up.setHeader('x-credential-id', ctx.credential.id);
  if (ctx.consumer?.anonymous) up.setHeader('x-anonymous-consumer', 'true');
}

/**
 * A credential was verified. Several auth policies on one route must all pass and agree on the
 * consumer; an anonymous consumer set by an earlier optional policy is replaced.
 */
export function authenticated(
  ctx: RequestContext,
  base: AuthBase,
  consumer: ConsumerIdentity,
  credential: CredentialIdentity,
  data: Record<string, unknown>,
  challengeOnMismatch: string = base.challenge,
): Decision {
  return accept(ctx, base, consumer, credential, acceptance(base, consumer, credential, data), challengeOnMismatch);
}

/**
 * The allow decision `authenticated` returns, built ahead of time: a policy whose facts for a
 * credential do not change between requests (key-auth) builds it once and hands it to `accept`.
 */
export function acceptance(base: AuthBase, consumer: ConsumerIdentity, credential: CredentialIdentity, data: Record<string, unknown>): AllowDecision {
  return { outcome: 'allow', detail: `${base.kind}: consumer ${consumer.id} (credential ${credential.id})`, data: { ...data, consumer: consumer.id, credential: credential.id } };
}

/** `authenticated` with its allow decision given (see `acceptance`). */
export function accept(
  ctx: RequestContext,
  base: AuthBase,
  consumer: ConsumerIdentity,
  credential: CredentialIdentity,
  allow: AllowDecision,
  challengeOnMismatch: string = base.challenge,
): Decision {
  const prev = ctx.consumer;
  if (prev && !prev.anonymous && prev.id !== consumer.id) {
    return deny('auth.consumer_mismatch', 'The credentials on this request belong to different consumers.', {
      headers: { 'www-authenticate': challengeOnMismatch },
      data: { ...allow.data, authenticated_before: prev.id },
    });
  }
  if (!prev || prev.anonymous) {
    ctx.consumer = consumer;
    ctx.credential = credential;
  }
  tellUpstream(ctx, base);
  return allow;
}

/** True when a policy denied because no credential of its kind was presented (multi-auth keeps looking). */
export function isMissing(d: Decision): boolean {
  return d.outcome === 'deny' && d.data?.['presented'] === false;
}

/**
 * No credential of this kind. With `anonymous` the policy is optional: an already authenticated
 * consumer is kept (skip), otherwise the anonymous consumer is used. Without it: 401.
 */
export function noCredential(ctx: RequestContext, base: AuthBase, code: string, detail: string, data: Record<string, unknown> = {}): Decision {
  if (base.anonymous) {
    if (ctx.consumer && !ctx.consumer.anonymous) {
      return { outcome: 'skip', detail: `no ${base.kind} credential; consumer ${ctx.consumer.id} already authenticated`, data: { ...data, presented: false } };
    }
    return useAnonymous(ctx, base, 'auth.anonymous', `no ${base.kind} credential: anonymous consumer ${base.anonymous.id}`, { ...data, presented: false });
  }
  return deny(code, detail, { headers: { 'www-authenticate': base.challenge }, data: { ...data, presented: false } });
}

function useAnonymous(ctx: RequestContext, base: AuthBase, code: string, detail: string, data: Record<string, unknown>): AllowDecision {
  const anon = base.anonymous!;
  ctx.consumer = anon;
  ctx.credential = undefined;
  tellUpstream(ctx, base);
  return { outcome: 'allow', code, detail, data: { ...data, consumer: anon.id, anonymous: true } };
}

/**
 * A dependency (JWKS, introspection endpoint) is unreachable. Fail closed: 503 `policy.unavailable`.
 * Fail open: continue unauthenticated (or as the anonymous consumer), and the trace says so.
 */
export function unavailable(ctx: RequestContext, base: AuthBase, failOpen: boolean, what: string, error: string, data: Record<string, unknown> = {}): Decision {
  const facts = { ...data, dependency: what, error, fail_open: failOpen };
  if (!failOpen) {
    return deny('policy.unavailable', `The credential could not be checked: the ${what} is unavailable. Retry later.`, { headers: { 'retry-after': '5' }, data: facts });
  }
  if (base.anonymous && (!ctx.consumer || ctx.consumer.anonymous)) {
    return useAnonymous(ctx, base, 'auth.failed_open', `${what} unavailable (${error}); fail open as anonymous consumer ${base.anonymous.id}`, facts);
  }
  return { outcome: 'allow', code: 'auth.failed_open', detail: `${what} unavailable (${error}); fail open without a consumer`, data: facts };
}
