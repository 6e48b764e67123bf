import type { ProviderError } from '../../../core/llm/errors.js';
import type { ChatExchange, EmbeddingsExchange, ModelInfo, ProviderAdapter, ResponseHeaders, Target, UpstreamCall } from '../contract.js';
import { buildError } from '../shared/errors.js';
import { joinUrl, withExtraHeaders } from '../shared/headers.js';
import { arr, bytesToText, isObj, obj, parseObject, str, tryJson } from '../shared/json.js';
import { parseOllamaEmbeddings, toOllamaEmbedBody } from './embeddings.js';
import { toOllamaBody } from './request.js';
import { parseOllamaChat } from './response.js';
import { ollamaStreamTranslator } from './stream.js';

/** Local Ollama needs no key; Ollama's cloud (`https://ollama.com`) takes one as bearer. */
function headers(target: Target, json: boolean): Record<string, string> {
  const h: Record<string, string> = json ? { 'content-type': 'application/json' } : {};
  if (target.apiKey) h.authorization = `Bearer ${target.apiKey}`;
  return withExtraHeaders(h, target);
}

/** `{"error":"…"}` (what Ollama sends for every failure), or anything else. */
function parseOllamaError(status: number, h: ResponseHeaders, body: Uint8Array): ProviderError {
  const j = tryJson(bytesToText(body));
  const e = isObj(j) ? j.error : undefined;
  const message = typeof e === 'string' ? e : isObj(e) ? str(e.message) : undefined;
  return buildError(status, h, body, message !== undefined ? { message } : {});
}

const post = (url: string, target: Target, body: unknown, stream: boolean): UpstreamCall => ({
  method: 'POST',
  url,
  headers: headers(target, true),
  body: JSON.stringify(body),
  stream,
  responseFormat: stream ? 'ndjson' : 'json',
});

/** Ollama's native API: `/api/chat` (NDJSON streaming), `/api/embed`, `/api/tags`. */
export const ollama: ProviderAdapter = {
  id: 'ollama',
  displayName: 'Ollama',
  defaultBaseUrl: 'http://localhost:11434',
  docsUrl: 'https://github.com/ollama/ollama/blob/main/docs/api.md',
  auth: 'none',
  capabilities: {
    streaming: true,
    tools: true,
    toolStreaming: false,
    vision: true,
    jsonSchema: true,
    reasoning: true,
    multipleChoices: false,
    logprobs: false,
    streamUsage: true,
    embeddings: true,
  },
  chat: {
    buildRequest: (ex: ChatExchange) => post(joinUrl(ex.target.baseUrl, '/api/chat'), ex.target, toOllamaBody(ex.request, ex.target.providerModel), ex.request.stream),
    parseResponse: (ex, body) => parseOllamaChat(ex, body),
    createStreamTranslator: (ex) => ollamaStreamTranslator(ex),
  },
  embeddings: {
    buildRequest: (ex: EmbeddingsExchange) => post(joinUrl(ex.target.baseUrl, '/api/embed'), ex.target, toOllamaEmbedBody(ex), false),
    parseResponse: (ex, body) => parseOllamaEmbeddings(ex, body),
  },
  models: {
    buildRequest: (target: Target): UpstreamCall => ({ method: 'GET', url: joinUrl(target.baseUrl, '/api/tags'), headers: headers(target, false), body: '', stream: false, responseFormat: 'json' }),
    parseResponse: (body: Uint8Array): readonly ModelInfo[] =>
      arr(parseObject(body, 'Ollama model list').models).map((m) => {
        const o = obj(m);
        const at = Date.parse(str(o.modified_at) ?? '');
        return { id: str(o.model) ?? str(o.name) ?? '', ownedBy: 'ollama', ...(Number.isNaN(at) ? {} : { created: Math.floor(at / 1000) }) };
      }),
  },
  parseError: parseOllamaError,
};
