import type { ProviderErrorKind } from '../../../core/llm/errors.js';
import type { FinishReason, Usage } from '../../../core/llm/types.js';
import { count, makeUsage } from '../../../core/llm/usage.js';
import type { Obj } from '../shared/json.js';

/** Converse `stopReason` → canonical finish reason. */
export function finishFromBedrock(reason: string | undefined): FinishReason {
  switch (reason) {
    case 'tool_use':
      return 'tool_calls';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'guardrail_intervened':
    case 'content_filtered':
      return 'content_filter';
    default:
      // end_turn, stop_sequence, and reasons added later
      return 'stop';
  }
}

/**
 * Converse counts cache reads and writes apart from `inputTokens` (as Anthropic does); canonical
 * input includes them. The deprecated `…TokenCount` spellings are read when the new ones are absent.
 */
export function usageFromBedrock(u: Obj): Usage {
  const read = count(u.cacheReadInputTokens) ?? count(u.cacheReadInputTokenCount);
  const write = count(u.cacheWriteInputTokens) ?? count(u.cacheWriteInputTokenCount);
  return makeUsage({
    input: (count(u.inputTokens) ?? 0) + (read ?? 0) + (write ?? 0),
    output: count(u.outputTokens) ?? 0,
    cached: read,
    cacheCreation: write,
  });
}

interface Mapped {
  readonly status: number;
  readonly kind: ProviderErrorKind;
}

/**
 * Bedrock Runtime error types (`x-amzn-errortype`, and stream exception events) → status and kind,
 * from the Converse API reference. Keys are lower-case: stream events spell them `throttlingException`.
 */
const ERROR_TYPES: Readonly<Record<string, Mapped>> = {
  validationexception: { status: 400, kind: 'invalid_request' },
  accessdeniedexception: { status: 403, kind: 'permission' },
  resourcenotfoundexception: { status: 404, kind: 'not_found' },
  throttlingexception: { status: 429, kind: 'rate_limit' },
  servicequotaexceededexception: { status: 400, kind: 'quota' },
  modeltimeoutexception: { status: 408, kind: 'timeout' },
  modelnotreadyexception: { status: 429, kind: 'overloaded' },
  modelerrorexception: { status: 424, kind: 'server' },
  modelstreamerrorexception: { status: 424, kind: 'server' },
  internalserverexception: { status: 500, kind: 'server' },
  serviceunavailableexception: { status: 503, kind: 'overloaded' },
  // AWS front-door authentication failures: the credential itself is wrong or expired.
  unrecognizedclientexception: { status: 403, kind: 'auth' },
  invalidsignatureexception: { status: 403, kind: 'auth' },
  incompletesignatureexception: { status: 403, kind: 'auth' },
  missingauthenticationtokenexception: { status: 403, kind: 'auth' },
  expiredtokenexception: { status: 403, kind: 'auth' },
};

/** `ValidationException:http://internal.amazon.com/…` or `com.amazon.coral#ValidationException` → `ValidationException`. */
export function errorTypeName(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const afterHash = raw.slice(raw.lastIndexOf('#') + 1);
  const name = afterHash.split(':')[0]!.trim();
  return name.length > 0 ? name : undefined;
}

export function bedrockErrorType(name: string | undefined): Mapped | undefined {
  return name === undefined ? undefined : ERROR_TYPES[name.toLowerCase()];
}
