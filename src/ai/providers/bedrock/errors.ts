import type { ProviderError } from '../../../core/llm/errors.js';
import type { ResponseHeaders } from '../contract.js';
import { buildError, classify } from '../shared/errors.js';
import { header } from '../shared/headers.js';
import { bytesToText, isObj, str, tryJson } from '../shared/json.js';
import { bedrockErrorType, errorTypeName } from './mapping.js';

/**
 * Bedrock errors: `{"message": "..."}` (restJson1) with the type in `x-amzn-errortype`
 * (`ValidationException:http://internal.amazon.com/…`), or in the body as `__type`/`code`.
 * Without a type (a recorder stripped the header), the status decides.
 */
export function parseBedrockError(status: number, headers: ResponseHeaders, body: Uint8Array): ProviderError {
  const j = tryJson(bytesToText(body));
  const o = isObj(j) ? j : {};
  const type = errorTypeName(header(headers, 'x-amzn-errortype') ?? str(o.__type) ?? str(o.code));
  const message = str(o.message) ?? str(o.Message);
  const mapped = bedrockErrorType(type);
  let kind = mapped?.kind ?? classify(status, type, message ?? '');
  // A ValidationException may be a prompt over the context window: the message tells.
  if (kind === 'invalid_request') kind = classify(400, undefined, message ?? '');
  return buildError(status, headers, body, {
    ...(message !== undefined ? { message } : {}),
    ...(type !== undefined ? { code: type } : {}),
    kind,
  });
}
