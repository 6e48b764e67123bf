import type { ProviderError } from '../../core/llm/errors.js';
import type { AiReasonCode } from '../reasons.js';
import type { TransportError } from '../upstream/http.js';
import type { RoutingSettings } from './settings.js';

/** How one attempt failed: the provider answered an error, the transport broke, or the request cannot be expressed. */
export type AttemptFailure =
  /** `renewable`: the key's cached bearer token was refused and invalidated; a new one may succeed. */
  | { readonly kind: 'provider'; readonly error: ProviderError; readonly renewable?: boolean }
  | { readonly kind: 'transport'; readonly error: TransportError }
  | { readonly kind: 'unsupported'; readonly error: ProviderError };

/** What the router does after a failed attempt. */
export interface Verdict {
  /** Target health: a failure counts toward the breaker; `release` gives back a half-open trial. */
  readonly breaker: 'fail' | 'release';
  readonly key?: 'disable' | 'cooldown' | 'exclude';
  readonly cooldownMs?: number;
  /** A cooldown rests the key for the attempt's upstream model only (rate limits), or for every model (quota). */
  readonly cooldownScope?: 'model' | 'key';
  /** Try another attempt (retry, another key or target, a fallback model). */
  readonly moveOn: boolean;
  /** Wait (full jitter) before the next attempt in the same model. */
  readonly backoff: boolean;
  /** The key's token was renewed: try again without spending a retry (once per key and request). */
  readonly renewed?: boolean;
  /** Stop now: the client left or the deadline passed. */
  readonly stop?: 'client_closed' | 'deadline';
  /** What the client gets if this was the last attempt. */
  readonly code: AiReasonCode;
  readonly status?: number;
  readonly retryAfterMs?: number;
  /** Client-safe fact (provider messages, which may name accounts, go to the trace only — except for rejected requests). */
  readonly detail: string;
  /** Rejected or inexpressible requests: the parameter at fault, as the adapter or provider named it. */
  readonly param?: string;
}

const TRANSPORT_DETAIL: Partial<Record<string, string>> = {
  connect: 'the provider could not be reached',
  reset: 'the provider closed the connection before answering completely',
  bad_response: 'the provider sent an unreadable response',
};

/** Decides from the failure alone (kind, status, retry-after), as LiteLLM's router does. */
export function judge(f: AttemptFailure, r: RoutingSettings): Verdict {
  if (f.kind === 'unsupported') {
    return { breaker: 'release', moveOn: true, backoff: false, code: 'ai.unsupported', status: 400, detail: f.error.message, ...(f.error.param ? { param: f.error.param } : {}) };
  }
  if (f.kind === 'transport') {
    const e = f.error;
    switch (e.failure) {
      case 'client_closed':
        return { breaker: 'release', moveOn: false, backoff: false, stop: 'client_closed', code: 'ai.upstream_failed', detail: e.message };
      case 'deadline':
        return { breaker: 'release', moveOn: false, backoff: false, stop: 'deadline', code: 'ai.upstream_timeout', detail: e.message };
      case 'timeout':
      case 'first_token_timeout':
        return { breaker: 'fail', moveOn: r.fallbackOnTimeout, backoff: false, code: 'ai.upstream_timeout', detail: e.message };
      case 'connect_timeout':
        return { breaker: 'fail', moveOn: r.fallbackOnConnectError, backoff: true, code: 'ai.upstream_timeout', detail: 'the provider did not accept a connection in time' };
      default:
        return { breaker: 'fail', moveOn: r.fallbackOnConnectError, backoff: true, code: 'ai.upstream_failed', detail: TRANSPORT_DETAIL[e.failure] ?? 'the connection to the provider failed' };
    }
  }
  const e = f.error;
  const listed = r.fallbackStatus.has(e.status);
  switch (e.kind) {
    case 'auth':
      if (f.renewable) {
        return { breaker: 'release', moveOn: true, backoff: false, renewed: true, code: 'ai.upstream_auth_failed', detail: `the provider refused the access token (${e.status}); the next attempt uses a new one` };
      }
      return { breaker: 'release', key: 'disable', moveOn: true, backoff: false, code: 'ai.upstream_auth_failed', detail: `the provider refused the key (${e.status})` };
    case 'permission':
      return { breaker: 'release', key: 'exclude', moveOn: true, backoff: false, code: 'ai.upstream_auth_failed', detail: `the provider denied the key access (${e.status})` };
    case 'rate_limit':
      return { breaker: 'release', key: 'cooldown', cooldownMs: e.retryAfterMs ?? r.keyCooldownMs, cooldownScope: 'model', moveOn: listed, backoff: false, code: 'ai.upstream_rate_limited', status: 429, retryAfterMs: e.retryAfterMs ?? r.keyCooldownMs, detail: `the provider is rate limiting (${e.status})` };
    case 'quota': {
      const ms = Math.max(e.retryAfterMs ?? 0, 10 * r.keyCooldownMs);
      return { breaker: 'release', key: 'cooldown', cooldownMs: ms, cooldownScope: 'key', moveOn: true, backoff: false, code: 'ai.upstream_rate_limited', status: 429, retryAfterMs: ms, detail: `the provider quota is exhausted (${e.status})` };
    }
    case 'timeout':
      return { breaker: 'fail', moveOn: listed || r.fallbackOnTimeout, backoff: false, code: 'ai.upstream_timeout', detail: `the provider timed out (${e.status})` };
    case 'overloaded':
    case 'server':
    case 'bad_response':
      return { breaker: 'fail', moveOn: e.kind === 'bad_response' ? r.fallbackOnConnectError : listed, backoff: true, code: 'ai.upstream_failed', detail: `the provider failed (${e.status})` };
    default:
      return { breaker: 'release', moveOn: listed, backoff: false, code: 'ai.upstream_rejected', status: e.status >= 400 && e.status < 500 ? e.status : 400, detail: e.message || `the provider rejected the request (${e.status})`, ...(e.param ? { param: e.param } : {}) };
  }
}
