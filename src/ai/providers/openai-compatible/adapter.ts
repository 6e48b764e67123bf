import type { ChatExchange, EmbeddingsExchange, ModelInfo, ProviderAdapter, Target, UpstreamCall } from '../contract.js';
import { joinUrl, withExtraHeaders } from '../shared/headers.js';
import { arr, num, obj, parseObject, str } from '../shared/json.js';
import { parseOpenAIEmbeddings, toOpenAIEmbeddingsBody } from './embeddings.js';
import { parseOpenAIError } from './errors.js';
import { DEFAULT_CAPABILITIES, type CompatibleSpec } from './quirks.js';
import { toOpenAIChatBody } from './request.js';
import { parseOpenAIChat } from './response.js';
import { openAIStreamTranslator } from './stream.js';

function authHeaders(spec: CompatibleSpec, target: Target): Record<string, string> {
  if (spec.hooks?.authHeaders) return spec.hooks.authHeaders(target);
  if (!target.apiKey) return {};
  if (spec.auth === 'api-key-header') return { 'api-key': target.apiKey };
  if (spec.auth === 'x-api-key') return { 'x-api-key': target.apiKey };
  return { authorization: `Bearer ${target.apiKey}` };
}

function url(spec: CompatibleSpec, target: Target, endpoint: 'chat' | 'embeddings' | 'models', path: string): string {
  return spec.hooks?.url ? spec.hooks.url(target, endpoint) : joinUrl(target.baseUrl, path);
}

function headers(spec: CompatibleSpec, target: Target, json: boolean): Record<string, string> {
  const h: Record<string, string> = json ? { 'content-type': 'application/json' } : {};
  if (spec.headers) for (const [k, v] of Object.entries(spec.headers)) h[k.toLowerCase()] = v;
  Object.assign(h, authHeaders(spec, target));
  return withExtraHeaders(h, target);
}

/**
 * An adapter for a server that speaks OpenAI Chat Completions, from its quirks alone. OpenAI itself,
 * Azure, Mistral and every compatible vendor are built with this.
 */
export function defineCompatible(spec: CompatibleSpec): ProviderAdapter {
  const chatPath = spec.chatPath ?? '/chat/completions';
  const embeddingsPath = spec.embeddingsPath === undefined ? '/embeddings' : spec.embeddingsPath;
  const modelsPath = spec.modelsPath === undefined ? '/models' : spec.modelsPath;
  const capabilities = {
    ...DEFAULT_CAPABILITIES,
    streamUsage: (spec.streamUsage ?? 'stream_options') !== 'none',
    embeddings: embeddingsPath !== null,
    ...spec.capabilities,
  };
  const adapter: ProviderAdapter = {
    id: spec.id,
    displayName: spec.displayName,
    ...(spec.defaultBaseUrl !== undefined ? { defaultBaseUrl: spec.defaultBaseUrl } : {}),
    ...(spec.docsUrl !== undefined ? { docsUrl: spec.docsUrl } : {}),
    ...(spec.requires !== undefined ? { requires: spec.requires } : {}),
    auth: spec.auth ?? (spec.keyOptional ? 'none' : 'bearer'),
    capabilities,
    chat: {
      buildRequest(ex: ChatExchange): UpstreamCall {
        const body = toOpenAIChatBody(ex.request, ex.target.providerModel, spec);
        const h = headers(spec, ex.target, true);
        if (ex.request.stream) h.accept = 'text/event-stream';
        return {
          method: 'POST',
          url: url(spec, ex.target, 'chat', chatPath),
          headers: h,
          body: JSON.stringify(body),
          stream: ex.request.stream,
          responseFormat: ex.request.stream ? 'sse' : 'json',
        };
      },
      parseResponse: (ex, body) => parseOpenAIChat(ex, body),
      createStreamTranslator: (ex) => openAIStreamTranslator(ex),
    },
    parseError: parseOpenAIError,
  };
  const withEmbeddings: ProviderAdapter =
    embeddingsPath === null
      ? adapter
      : {
          ...adapter,
          embeddings: {
            buildRequest: (ex: EmbeddingsExchange): UpstreamCall => ({
              method: 'POST',
              url: url(spec, ex.target, 'embeddings', embeddingsPath),
              headers: headers(spec, ex.target, true),
              body: JSON.stringify(toOpenAIEmbeddingsBody(ex)),
              stream: false,
              responseFormat: 'json',
            }),
            parseResponse: (ex, body) => parseOpenAIEmbeddings(ex, body),
          },
        };
  if (modelsPath === null) return withEmbeddings;
  return {
    ...withEmbeddings,
    models: {
      buildRequest: (target: Target): UpstreamCall => ({
        method: 'GET',
        url: url(spec, target, 'models', modelsPath),
        headers: headers(spec, target, false),
        body: '',
        stream: false,
        responseFormat: 'json',
      }),
      parseResponse: (body: Uint8Array): readonly ModelInfo[] =>
        arr(parseObject(body, 'model list').data).map((m) => {
          const o = obj(m);
          const owned = str(o.owned_by);
          const created = num(o.created);
          return { id: str(o.id) ?? '', ...(owned ? { ownedBy: owned } : {}), ...(created ? { created } : {}) };
        }),
    },
  };
}
