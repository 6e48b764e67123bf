/**
 * An upstream failure in provider-neutral terms. The gateway decides retries and fallback from
 * `kind`; the inbound dialect renders it in the client's API shape (OpenAI, Anthropic).
 */
export type ProviderErrorKind =
  | 'auth' // 401: bad or missing provider credential
  | 'permission' // 403
  | 'not_found' // 404: unknown model or deployment
  | 'rate_limit' // 429: retry later (maybe elsewhere)
  | 'quota' // 429/402 insufficient_quota or billing: retrying the same key will not help
  | 'invalid_request' // 400/422: the request itself is wrong
  | 'context_length' // 400: prompt too long for the model
  | 'content_filter' // 400: refused by the provider's safety filter
  | 'overloaded' // 529/503: provider busy
  | 'server' // 5xx or a truncated stream
  | 'timeout' // 408/504
  | 'bad_response'; // the upstream answered with something we could not parse

export interface ProviderError {
  /** HTTP status to report to the client (the upstream's, or the closest one for mid-stream errors). */
  readonly status: number;
  readonly kind: ProviderErrorKind;
  readonly message: string;
  /** From `retry-after`/`retry-after-ms` headers or a body hint (Gemini `RetryInfo`). */
  readonly retryAfterMs?: number;
  /** The provider's own code or type (e.g. `insufficient_quota`, `overloaded_error`, `ThrottlingException`). */
  readonly providerCode?: string;
  /** The offending request parameter, when the provider names it. */
  readonly param?: string;
  /** The provider's explicit retry hint (Anthropic `x-should-retry`). */
  readonly retryable?: boolean;
  /** Provider request id, for support tickets. */
  readonly requestId?: string;
}

/**
 * Thrown by adapter functions that cannot return a value: `buildRequest` when a request cannot be
 * expressed for the provider (kind `invalid_request`, with `param`), `parseResponse` on a malformed
 * body (kind `bad_response`). Stream translators never throw; they return `error` in a step.
 */
export class ProviderFailure extends Error {
  constructor(readonly error: ProviderError) {
    super(error.message);
    this.name = 'ProviderFailure';
  }
}

/** Kind for an HTTP status when the body says nothing more specific. */
export function kindForStatus(status: number): ProviderErrorKind {
  if (status === 401) return 'auth';
  if (status === 402) return 'quota';
  if (status === 403) return 'permission';
  if (status === 404) return 'not_found';
  if (status === 408 || status === 504) return 'timeout';
  if (status === 413) return 'context_length';
  if (status === 429) return 'rate_limit';
  if (status === 503 || status === 529) return 'overloaded';
  if (status >= 500) return 'server';
  return 'invalid_request';
}

/** Milliseconds from `retry-after-ms` or `retry-after` (seconds or HTTP date relative to `nowMs`). */
export function retryAfterFromHeaders(
  headers: Readonly<Record<string, string | readonly string[] | undefined>>,
  nowMs: number = Date.now(),
): number | undefined {
  const ms = first(headers['retry-after-ms']);
  if (ms !== undefined) {
    const n = Number(ms);
    if (Number.isFinite(n) && n >= 0) return Math.round(n);
  }
  const ra = first(headers['retry-after']);
  if (ra === undefined) return undefined;
  const secs = Number(ra);
  if (Number.isFinite(secs) && secs >= 0) return Math.round(secs * 1000);
  const date = Date.parse(ra);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

function first(v: string | readonly string[] | undefined): string | undefined {
  return typeof v === 'string' ? v : v?.[0];
}
