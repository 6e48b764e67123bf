import { BodyAbortedError, BodyTooLargeError } from '../../core/context.js';
import type { ExchangeResult, ServiceExchange } from '../../core/service-kind.js';

/** Shared with policies that already parsed the JSON body (model-access): parse once per request. */
export const JSON_BODY_LOCAL = 'json-body';

/** Reads and parses the JSON body, or answers the error and returns the result. */
export async function readJson(ex: ServiceExchange, limit: number): Promise<{ ok: true; value: unknown } | { ok: false; result: ExchangeResult }> {
  const cached = ex.ctx.locals.get(JSON_BODY_LOCAL);
  if (cached !== undefined) return { ok: true, value: cached };
  let bytes: Uint8Array;
  try {
    bytes = await ex.readBody(limit);
  } catch (err) {
    if (err instanceof BodyTooLargeError) return { ok: false, result: ex.fail('request.body_too_large', `The request body exceeds the ${limit}-byte limit of this AI service.`) };
    if (err instanceof BodyAbortedError) return { ok: false, result: ex.fail('request.body_aborted', 'The request body was not received completely.') };
    throw err;
  }
  if (bytes.length === 0) return { ok: false, result: ex.fail('ai.invalid_request', 'The request body is empty; a JSON object is required.') };
  try {
    const text = Buffer.isBuffer(bytes) ? bytes.toString('utf8') : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, result: ex.fail('ai.invalid_request', 'The request body must be a JSON object.') };
    ex.ctx.locals.set(JSON_BODY_LOCAL, value);
    return { ok: true, value };
  } catch (err) {
    return { ok: false, result: ex.fail('ai.invalid_request', `The request body is not valid JSON (${(err as Error).message}).`) };
  }
}
