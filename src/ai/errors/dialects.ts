import type { ErrorDialect, Problem } from '../../core/problem.js';
import { pointerToParam } from '../dialects/shared/fields.js';

/**
 * Gateway answers on AI routes in the error shape of the inbound API, so the official SDKs raise
 * their usual typed errors (openai.RateLimitError, anthropic.AuthenticationError…) — with Sluice's
 * reason code, deciding policy and request id inside.
 */

function openaiType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

function anthropicType(status: number): string {
  switch (status) {
    case 401:
      return 'authentication_error';
    case 402:
      return 'billing_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 409:
      return 'conflict_error';
    case 429:
      return 'rate_limit_error';
    case 504:
      return 'timeout_error';
    case 529:
      return 'overloaded_error';
    default:
      return status >= 500 ? 'api_error' : 'invalid_request_error';
  }
}

/** The offending body field of a refused request, OpenAI style (`messages[0].content`), else null. */
function paramOf(p: Problem): string | null {
  const e = p.errors?.find((x) => x.in === 'body');
  return e && e.pointer !== '' ? pointerToParam(e.pointer) : null;
}

/** `{"error":{"message","type","param","code"}}`; `code` is the Sluice reason code. */
export const openaiErrors: ErrorDialect = (p: Problem) => ({
  contentType: 'application/json',
  body: JSON.stringify({
    error: {
      message: p.detail,
      type: openaiType(p.status),
      param: paramOf(p),
      code: p.code,
      request_id: p.request_id,
      ...(p.policy ? { policy: p.policy } : {}),
      docs: p.type,
    },
  }),
});

/**
 * `{"type":"error","error":{"type","message","details":{"error_code"}},"request_id"}` plus the
 * `request-id` header: the Anthropic SDK exposes them as `err.errorCode` and `err.requestID`.
 */
export const anthropicErrors: ErrorDialect = (p: Problem) => ({
  contentType: 'application/json',
  body: JSON.stringify({
    type: 'error',
    error: {
      type: anthropicType(p.status),
      message: p.detail,
      details: { error_code: p.code, ...(p.policy ? { policy: p.policy } : {}), docs: p.type },
    },
    request_id: p.request_id,
  }),
  headers: { 'request-id': p.request_id },
});

export { anthropicType, openaiType };
