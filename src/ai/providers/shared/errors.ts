import { kindForStatus, retryAfterFromHeaders, type ProviderError, type ProviderErrorKind } from '../../../core/llm/errors.js';
import type { ResponseHeaders } from '../contract.js';
import { header } from './headers.js';
import { bytesToText, preview } from './json.js';

const CONTEXT_RE = /context[ _-]?(length|window)|maximum context|too many (input )?tokens|prompt is too long|input is too long|reduce the length|exceeds? the (model'?s? )?(maximum|max)/i;
const FILTER_RE = /content[ _-]?(filter|policy|management)|safety|responsible ?ai/i;

/** Refine a status-derived kind with the provider's code and message. */
export function classify(status: number, code: string | undefined, message: string): ProviderErrorKind {
  const c = (code ?? '').toLowerCase();
  if (c.includes('insufficient_quota') || c.includes('billing') || c === 'quota_exceeded') return 'quota';
  if (c.includes('context_length') || c === 'string_above_max_length') return 'context_length';
  if (c.includes('content_filter') || c.includes('content_policy')) return 'content_filter';
  if (c.includes('overloaded')) return 'overloaded';
  if (c.includes('rate_limit') || c.includes('throttl')) return 'rate_limit';
  const base = kindForStatus(status);
  if (base === 'invalid_request' || base === 'context_length') {
    if (CONTEXT_RE.test(message)) return 'context_length';
    if (FILTER_RE.test(message) && /filter|policy|safety/i.test(message)) return 'content_filter';
  }
  return base;
}

export interface ErrorFields {
  readonly message?: string;
  readonly code?: string;
  readonly param?: string;
  readonly kind?: ProviderErrorKind;
  readonly retryAfterMs?: number;
  readonly retryable?: boolean;
}

/** Assemble a ProviderError from what an adapter read of the body, plus the standard headers. */
export function buildError(status: number, headers: ResponseHeaders, body: Uint8Array, f: ErrorFields): ProviderError {
  const message = f.message ?? (body.length > 0 ? preview(bytesToText(body)) : `upstream answered HTTP ${status}`);
  const retryAfterMs = f.retryAfterMs ?? retryAfterFromHeaders(headers);
  const shouldRetry = header(headers, 'x-should-retry');
  const retryable = f.retryable ?? (shouldRetry === 'true' ? true : shouldRetry === 'false' ? false : undefined);
  const requestId = header(headers, 'x-request-id') ?? header(headers, 'request-id') ?? header(headers, 'apim-request-id') ?? header(headers, 'x-amzn-requestid');
  const e: { -readonly [K in keyof ProviderError]: ProviderError[K] } = {
    status,
    kind: f.kind ?? classify(status, f.code, message),
    message,
  };
  if (retryAfterMs !== undefined) e.retryAfterMs = retryAfterMs;
  if (f.code !== undefined) e.providerCode = f.code;
  if (f.param !== undefined) e.param = f.param;
  if (retryable !== undefined) e.retryable = retryable;
  if (requestId !== undefined) e.requestId = requestId;
  return e;
}

/** Error from an unexpected exception inside a translator (a bug or malformed frame): the stream fails, cleanly. */
export function streamFailure(e: unknown): ProviderError {
  const message = e instanceof Error ? e.message : String(e);
  return { status: 502, kind: 'bad_response', message: `upstream stream could not be read: ${message}` };
}

/** The body ended before the provider's terminal event. */
export const TRUNCATED: ProviderError = Object.freeze({
  status: 502,
  kind: 'server',
  message: 'upstream stream ended before its final event',
});
