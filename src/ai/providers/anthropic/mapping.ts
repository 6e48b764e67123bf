import type { ProviderErrorKind } from '../../../core/llm/errors.js';
import type { FinishReason, Usage } from '../../../core/llm/types.js';
import { count, makeUsage } from '../../../core/llm/usage.js';
import type { Obj } from '../shared/json.js';

export function finishFromAnthropic(reason: string | undefined): FinishReason {
  switch (reason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      // end_turn, stop_sequence, pause_turn
      return 'stop';
  }
}

/**
 * Anthropic counts cache reads and writes apart from `input_tokens`; canonical input includes them.
 * (Bedrock Converse for Claude counts the same way and uses this too.)
 */
export function usageFromAnthropic(u: Obj): Usage {
  const read = count(u.cache_read_input_tokens);
  const write = count(u.cache_creation_input_tokens);
  return makeUsage({
    input: (count(u.input_tokens) ?? 0) + (read ?? 0) + (write ?? 0),
    output: count(u.output_tokens) ?? 0,
    cached: read,
    cacheCreation: write,
  });
}

/** HTTP status and kind for an Anthropic error `type` (also used for mid-stream `event: error`). */
export function anthropicErrorType(type: string | undefined): { status: number; kind: ProviderErrorKind } | undefined {
  switch (type) {
    case 'invalid_request_error':
      return { status: 400, kind: 'invalid_request' };
    case 'authentication_error':
      return { status: 401, kind: 'auth' };
    case 'billing_error':
      return { status: 402, kind: 'quota' };
    case 'permission_error':
      return { status: 403, kind: 'permission' };
    case 'not_found_error':
      return { status: 404, kind: 'not_found' };
    case 'request_too_large':
      return { status: 413, kind: 'invalid_request' };
    case 'rate_limit_error':
      return { status: 429, kind: 'rate_limit' };
    case 'api_error':
      return { status: 500, kind: 'server' };
    case 'timeout_error':
      return { status: 504, kind: 'timeout' };
    case 'overloaded_error':
      return { status: 529, kind: 'overloaded' };
    default:
      return undefined;
  }
}
