import type { ChatDialect, EmbeddingsDialect } from '../contract.js';
import { parseWith, isRecord, Reject, type Json } from '../shared/reject.js';
import { encodeOpenAIEmbeddingsResponse, parseOpenAIEmbeddingsRequest } from './embeddings.js';
import { encodeOpenAIError } from './errors.js';
import { parseOpenAIChatRequest } from './request.js';
import { encodeOpenAIResponse } from './response.js';
import { OpenAIStreamEncoder } from './stream.js';

function body(json: unknown): Json {
  if (!isRecord(json)) throw new Reject({ status: 400, type: 'invalid_request_error', message: 'The request body must be a JSON object.', code: 'invalid_type' });
  return json;
}

/**
 * The OpenAI API as the `openai` SDK speaks it: POST /v1/chat/completions and POST /v1/embeddings,
 * parsed into the canonical model (refusals name the `param`), answers and streams encoded exactly
 * as OpenAI sends them.
 */
export const openaiDialect: ChatDialect & EmbeddingsDialect = {
  id: 'openai',
  parseChatRequest: (json) => parseWith(() => parseOpenAIChatRequest(body(json))),
  encodeResponse: (res, opts) => encodeOpenAIResponse(res, opts?.model),
  createStreamEncoder: (opts) => new OpenAIStreamEncoder(opts),
  encodeError: encodeOpenAIError,
  parseEmbeddingsRequest: (json) => parseWith(() => parseOpenAIEmbeddingsRequest(body(json))),
  encodeEmbeddingsResponse: (res, opts) => encodeOpenAIEmbeddingsResponse(res, opts?.model),
};
