import type { ChatExchange, ProviderAdapter, Target, UpstreamCall } from '../contract.js';
import { joinUrl, withExtraHeaders } from '../shared/headers.js';
import { parseAnthropicError } from './errors.js';
import { toAnthropicBody } from './request.js';
import { parseAnthropicMessage } from './response.js';
import { anthropicStreamTranslator } from './stream.js';

export const ANTHROPIC_VERSION = '2023-06-01';

function headers(target: Target, stream: boolean): Record<string, string> {
  const h: Record<string, string> = {
    'content-type': 'application/json',
    'anthropic-version': target.apiVersion ?? ANTHROPIC_VERSION,
  };
  if (target.apiKey) h['x-api-key'] = target.apiKey;
  if (stream) h.accept = 'text/event-stream';
  return withExtraHeaders(h, target);
}

/** Anthropic Messages API (`/v1/messages`), `x-api-key` + `anthropic-version`. */
export const anthropic: ProviderAdapter = {
  id: 'anthropic',
  displayName: 'Anthropic',
  defaultBaseUrl: 'https://api.anthropic.com/v1',
  docsUrl: 'https://docs.anthropic.com/en/api/messages',
  auth: 'x-api-key',
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
    embeddings: false,
  },
  chat: {
    buildRequest(ex: ChatExchange): UpstreamCall {
      return {
        method: 'POST',
        // A bare origin (`https://api.anthropic.com`, as ANTHROPIC_BASE_URL is written) means its /v1 API.
        url: joinUrl(ex.target.baseUrl, /^https?:\/\/[^/]+\/?$/.test(ex.target.baseUrl) ? '/v1/messages' : '/messages'),
        headers: headers(ex.target, ex.request.stream),
        body: JSON.stringify(toAnthropicBody(ex.request, ex.target.providerModel)),
        stream: ex.request.stream,
        responseFormat: ex.request.stream ? 'sse' : 'json',
      };
    },
    parseResponse: (ex, body) => parseAnthropicMessage(ex, body),
    createStreamTranslator: (ex) => anthropicStreamTranslator(ex),
  },
  parseError: parseAnthropicError,
};
