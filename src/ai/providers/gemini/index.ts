import type { EmbeddingsExchange, ModelInfo, Target, UpstreamCall } from '../contract.js';
import { joinUrl } from '../shared/headers.js';
import { arr, obj, parseObject, str } from '../shared/json.js';
import { defineGoogleAdapter, encodePath, googleHeaders } from './adapter.js';
import { parseGeminiEmbeddings, toGeminiEmbedBody } from './embeddings.js';

/** `models/x` or `x` → `models/x`; tuned models (`tunedModels/…`) stay as they are. */
export function geminiModelName(model: string): string {
  return model.includes('/') ? model : `models/${model}`;
}

function modelUrl(target: Target, method: string): string {
  return joinUrl(target.baseUrl, `/${encodePath(geminiModelName(target.providerModel))}:${method}`);
}

const auth = { auth: 'x-goog-api-key' } as const;

/**
 * Google AI Studio (Gemini API): `generateContent`, `streamGenerateContent?alt=sse`,
 * `embedContent`/`batchEmbedContents` and the model list, with an `x-goog-api-key`.
 */
export const gemini = defineGoogleAdapter({
  id: 'gemini',
  displayName: 'Google Gemini (AI Studio)',
  defaultBaseUrl: 'https://generativelanguage.googleapis.com/v1beta',
  docsUrl: 'https://ai.google.dev/api/generate-content',
  ...auth,
  labels: false,
  modelUrl,
  embeddings: {
    buildRequest(ex: EmbeddingsExchange): UpstreamCall {
      const { method, body } = toGeminiEmbedBody(ex, geminiModelName(ex.target.providerModel));
      return { method: 'POST', url: modelUrl(ex.target, method), headers: googleHeaders(auth, ex.target, true), body: JSON.stringify(body), stream: false, responseFormat: 'json' };
    },
    parseResponse: (ex, body) => parseGeminiEmbeddings(ex, body),
  },
  models: {
    buildRequest: (target: Target): UpstreamCall => ({
      method: 'GET',
      url: joinUrl(target.baseUrl, '/models?pageSize=1000'),
      headers: googleHeaders(auth, target, false),
      body: '',
      stream: false,
      responseFormat: 'json',
    }),
    parseResponse: (body: Uint8Array): readonly ModelInfo[] =>
      arr(parseObject(body, 'Gemini model list').models).map((m) => ({ id: (str(obj(m).name) ?? '').replace(/^models\//, ''), ownedBy: 'google' })),
  },
});
