import type { ModelInfo, ProviderAdapter, Target, UpstreamCall } from '../contract.js';
import { joinUrl, withExtraHeaders } from '../shared/headers.js';
import { arr, obj, parseObject, str } from '../shared/json.js';
import { parseCohereEmbed, toCohereEmbedBody } from './embeddings.js';
import { parseCohereError } from './errors.js';
import { toCohereBody } from './request.js';
import { parseCohereChat } from './response.js';
import { cohereStreamTranslator } from './stream.js';

function headers(target: Target, stream: boolean): Record<string, string> {
  const h: Record<string, string> = { 'content-type': 'application/json', accept: stream ? 'text/event-stream' : 'application/json' };
  if (target.apiKey) h.authorization = `Bearer ${target.apiKey}`;
  return withExtraHeaders(h, target);
}

const post = (target: Target, path: string, body: unknown, stream: boolean): UpstreamCall => ({
  method: 'POST',
  url: joinUrl(target.baseUrl, path),
  headers: headers(target, stream),
  body: JSON.stringify(body),
  stream,
  responseFormat: stream ? 'sse' : 'json',
});

/** Cohere API v2: `/v2/chat` (SSE stream), `/v2/embed`, `/v1/models`; bearer key. */
export const cohere: ProviderAdapter = {
  id: 'cohere',
  displayName: 'Cohere',
  defaultBaseUrl: 'https://api.cohere.com',
  docsUrl: 'https://docs.cohere.com/reference/chat',
  auth: 'bearer',
  capabilities: {
    streaming: true,
    tools: true,
    toolStreaming: true,
    vision: true,
    jsonSchema: true,
    reasoning: true,
    multipleChoices: false,
    logprobs: false,
    streamUsage: true,
    embeddings: true,
  },
  chat: {
    buildRequest: (ex) => post(ex.target, '/v2/chat', toCohereBody(ex.request, ex.target.providerModel), ex.request.stream),
    parseResponse: (ex, body) => parseCohereChat(ex, body),
    createStreamTranslator: (ex) => cohereStreamTranslator(ex),
  },
  embeddings: {
    buildRequest: (ex) => post(ex.target, '/v2/embed', toCohereEmbedBody(ex), false),
    parseResponse: (ex, body) => parseCohereEmbed(ex, body),
  },
  models: {
    buildRequest: (target) => ({
      method: 'GET',
      url: joinUrl(target.baseUrl, '/v1/models?page_size=1000'),
      headers: withExtraHeaders(target.apiKey ? { accept: 'application/json', authorization: `Bearer ${target.apiKey}` } : { accept: 'application/json' }, target),
      body: '',
      stream: false,
      responseFormat: 'json',
    }),
    parseResponse: (body): ModelInfo[] =>
      arr(parseObject(body, 'Cohere models list').models).flatMap((m) => {
        const name = str(obj(m).name);
        return name ? [{ id: name, ownedBy: 'cohere' }] : [];
      }),
  },
  parseError: parseCohereError,
};
