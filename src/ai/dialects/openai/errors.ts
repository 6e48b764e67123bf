import type { ProviderError } from '../../../core/llm/errors.js';
import { openaiType } from '../../errors/dialects.js';
import type { DialectError, EncodedError } from '../contract.js';

export const isDialectError = (e: ProviderError | DialectError): e is DialectError => 'type' in e && !('kind' in e);

/** Headers of an error body: JSON, plus `retry-after` (seconds) when the provider said when to retry. */
export function errorHeaders(e: ProviderError | DialectError): Record<string, string> {
  const h: Record<string, string> = { 'content-type': 'application/json' };
  if (!isDialectError(e) && e.retryAfterMs !== undefined) h['retry-after'] = String(Math.max(1, Math.ceil(e.retryAfterMs / 1000)));
  return h;
}

/** `{"error":{"message","type","param","code"}}` with the status the client should see. */
export function encodeOpenAIError(e: ProviderError | DialectError): EncodedError {
  const error = isDialectError(e)
    ? { message: e.message, type: e.type, param: e.param ?? null, code: e.code ?? null }
    : { message: e.message, type: openaiType(e.status), param: e.param ?? null, code: e.providerCode ?? null };
  return { status: e.status, headers: errorHeaders(e), body: JSON.stringify({ error }) };
}
