import type { ProviderError, ProviderErrorKind } from '../../../core/llm/errors.js';
import type { ResponseHeaders } from '../contract.js';
import { buildError, classify } from '../shared/errors.js';
import { header } from '../shared/headers.js';
import { bytesToText, isObj, str, tryJson } from '../shared/json.js';

/** Cohere's own statuses: 498 "invalid token" is a bad key, 499 a request Cohere cancelled. */
const COHERE_STATUS: Readonly<Record<number, ProviderErrorKind>> = { 498: 'auth', 499: 'server' };

/** `{"id": "...", "message": "..."}` (v2), `{"message": "..."}`, or whatever an edge proxy sent. */
export function parseCohereError(status: number, headers: ResponseHeaders, body: Uint8Array): ProviderError {
  const j = tryJson(bytesToText(body));
  const o = isObj(j) ? j : {};
  const message = str(o.message);
  const kind = COHERE_STATUS[status] ?? classify(status, undefined, message ?? '');
  const err = buildError(status, headers, body, { ...(message !== undefined ? { message } : {}), kind });
  const rid = str(o.id) ?? header(headers, 'x-debug-trace-id');
  return rid && err.requestId === undefined ? { ...err, requestId: rid } : err;
}
