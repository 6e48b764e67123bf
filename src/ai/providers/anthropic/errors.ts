import type { ProviderError } from '../../../core/llm/errors.js';
import type { ResponseHeaders } from '../contract.js';
import { buildError, classify } from '../shared/errors.js';
import { bytesToText, isObj, obj, str, tryJson } from '../shared/json.js';
import { anthropicErrorType } from './mapping.js';

/** `{"type":"error","error":{"type","message"},"request_id"}`, or anything else an edge proxy sends. */
export function parseAnthropicError(status: number, headers: ResponseHeaders, body: Uint8Array): ProviderError {
  const j = tryJson(bytesToText(body));
  if (!isObj(j) || !isObj(j.error)) return buildError(status, headers, body, {});
  const e = obj(j.error);
  const type = str(e.type);
  const message = str(e.message) ?? `Anthropic answered HTTP ${status}`;
  const mapped = anthropicErrorType(type);
  let kind = mapped?.kind ?? classify(status, type, message);
  if (kind === 'invalid_request') kind = classify(400, undefined, message);
  const err = buildError(status, headers, body, { message, ...(type ? { code: type } : {}), kind });
  const rid = str(j.request_id);
  return rid && err.requestId === undefined ? { ...err, requestId: rid } : err;
}
