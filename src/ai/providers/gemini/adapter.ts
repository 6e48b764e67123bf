import type { AuthScheme, ChatExchange, EmbeddingsCodec, ModelsCodec, ProviderAdapter, ProviderCapabilities, Target, UpstreamCall } from '../contract.js';
import { withExtraHeaders } from '../shared/headers.js';
import { parseGoogleError } from './errors.js';
import { toGeminiBody } from './request.js';
import { parseGeminiResponse } from './response.js';
import { geminiStreamTranslator } from './stream.js';

/** What differs between the Google endpoints that speak the Gemini `generateContent` wire format. */
export interface GoogleSpec {
  readonly id: string;
  readonly displayName: string;
  readonly defaultBaseUrl?: string;
  readonly defaultBaseUrlFor?: ProviderAdapter['defaultBaseUrlFor'];
  readonly docsUrl: string;
  readonly auth: Extract<AuthScheme, 'x-goog-api-key' | 'bearer'>;
  readonly requires?: readonly (keyof Target)[];
  /** Absolute URL of a model method (`generateContent`, `streamGenerateContent`, `embedContent`…), without query. */
  modelUrl(target: Target, method: string): string;
  /** Vertex AI takes `labels` (from the request's metadata). */
  readonly labels: boolean;
  readonly embeddings?: EmbeddingsCodec;
  readonly models?: ModelsCodec;
}

/** `content-type`, the credential as the spec authenticates, then the target's extra headers. */
export function googleHeaders(spec: Pick<GoogleSpec, 'auth'>, target: Target, json: boolean): Record<string, string> {
  const h: Record<string, string> = json ? { 'content-type': 'application/json' } : {};
  if (target.apiKey) {
    if (spec.auth === 'x-goog-api-key') h['x-goog-api-key'] = target.apiKey;
    else h.authorization = `Bearer ${target.apiKey}`;
  }
  return withExtraHeaders(h, target);
}

/** Path segments of a model or resource name, each percent-encoded (the `/` between them kept). */
export function encodePath(name: string): string {
  return name.split('/').map(encodeURIComponent).join('/');
}

export const GEMINI_CAPABILITIES: ProviderCapabilities = {
  streaming: true,
  tools: true,
  // Function calls arrive whole in one chunk.
  toolStreaming: false,
  vision: true,
  jsonSchema: true,
  reasoning: true,
  multipleChoices: true,
  logprobs: true,
  streamUsage: true,
  embeddings: false,
};

/** An adapter for an endpoint of the Gemini wire format (Google AI Studio, Vertex AI). */
export function defineGoogleAdapter(spec: GoogleSpec): ProviderAdapter {
  return {
    id: spec.id,
    displayName: spec.displayName,
    ...(spec.defaultBaseUrl !== undefined ? { defaultBaseUrl: spec.defaultBaseUrl } : {}),
    ...(spec.defaultBaseUrlFor ? { defaultBaseUrlFor: spec.defaultBaseUrlFor } : {}),
    docsUrl: spec.docsUrl,
    auth: spec.auth,
    ...(spec.requires ? { requires: spec.requires } : {}),
    capabilities: { ...GEMINI_CAPABILITIES, embeddings: spec.embeddings !== undefined },
    chat: {
      buildRequest(ex: ChatExchange): UpstreamCall {
        const stream = ex.request.stream;
        const h = googleHeaders(spec, ex.target, true);
        if (stream) h.accept = 'text/event-stream';
        return {
          method: 'POST',
          url: spec.modelUrl(ex.target, stream ? 'streamGenerateContent' : 'generateContent') + (stream ? '?alt=sse' : ''),
          headers: h,
          body: JSON.stringify(toGeminiBody(ex.request, ex.target.providerModel, { labels: spec.labels })),
          stream,
          responseFormat: stream ? 'sse' : 'json',
        };
      },
      parseResponse: (ex, body) => parseGeminiResponse(ex, body),
      createStreamTranslator: (ex) => geminiStreamTranslator(ex, 'sse'),
    },
    ...(spec.embeddings ? { embeddings: spec.embeddings } : {}),
    ...(spec.models ? { models: spec.models } : {}),
    parseError: parseGoogleError,
  };
}
