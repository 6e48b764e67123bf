import type { ProviderError } from '../../../core/llm/errors.js';
import { anthropicType } from '../../errors/dialects.js';
import type { DialectError, EncodedError } from '../contract.js';
import { errorHeaders, isDialectError } from '../openai/errors.js';

/** `{"type":"error","error":{"type","message"}}`: a refused request names its parameter in the message. */
export function encodeAnthropicError(e: ProviderError | DialectError): EncodedError {
  const message = isDialectError(e) && e.param && !e.message.includes(e.param) ? `${e.param}: ${e.message}` : e.message;
  const type = isDialectError(e) ? e.type : anthropicType(e.status);
  const body: Record<string, unknown> = { type: 'error', error: { type, message } };
  if (!isDialectError(e) && e.requestId !== undefined) body['request_id'] = e.requestId;
  return { status: e.status, headers: errorHeaders(e), body: JSON.stringify(body) };
}
