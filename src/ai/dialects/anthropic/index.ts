import type { ChatDialect } from '../contract.js';
import { isRecord, parseWith, Reject, type Json } from '../shared/reject.js';
import { encodeAnthropicError } from './errors.js';
import { parseAnthropicRequest } from './request.js';
import { encodeAnthropicResponse } from './response.js';
import { AnthropicStreamEncoder } from './stream.js';

function body(json: unknown): Json {
  if (!isRecord(json)) throw new Reject({ status: 400, type: 'invalid_request_error', message: 'The request body must be a JSON object.' });
  return json;
}

/**
 * The Anthropic Messages API as `@anthropic-ai/sdk` speaks it (POST /v1/messages), so Anthropic-SDK
 * users reach any provider: system, content blocks, tools, thinking, streams as Anthropic's events.
 */
export const anthropicDialect: ChatDialect = {
  id: 'anthropic',
  parseChatRequest: (json) => parseWith(() => parseAnthropicRequest(body(json))),
  encodeResponse: (res, opts) => encodeAnthropicResponse(res, opts?.model),
  createStreamEncoder: (opts) => new AnthropicStreamEncoder(opts),
  encodeError: encodeAnthropicError,
};
