import type { EmbeddingsExchange, Target, UpstreamCall } from '../contract.js';
import { defineGoogleAdapter, encodePath, googleHeaders } from '../gemini/adapter.js';
import { unsupported } from '../shared/failure.js';
import { joinUrl } from '../shared/headers.js';
import { parseVertexPredict, toVertexPredictBody } from './embeddings.js';

/** Regional host, or the global one (`aiplatform.googleapis.com`) for location `global`. */
export function vertexBaseUrl(region: string | undefined): string {
  return region === undefined || region === 'global' ? 'https://aiplatform.googleapis.com/v1' : `https://${region}-aiplatform.googleapis.com/v1`;
}

/**
 * The resource name of a model: a bare id is a Google publisher model of the target's project and
 * location; `publishers/…` (partner models) and full `projects/…` names (tuned endpoints) are kept.
 */
export function vertexModelName(target: Target): string {
  const m = target.providerModel;
  if (m.startsWith('projects/')) return m;
  if (!target.project) unsupported('model', 'Vertex AI needs the Google Cloud project (provider `project`)');
  if (!target.region) unsupported('model', 'Vertex AI needs the Google Cloud location (provider `region`)');
  const scope = `projects/${target.project}/locations/${target.region}`;
  return m.startsWith('publishers/') ? `${scope}/${m}` : `${scope}/publishers/google/models/${m}`;
}

function modelUrl(target: Target, method: string): string {
  return joinUrl(target.baseUrl, `/${encodePath(vertexModelName(target))}:${method}`);
}

const auth = { auth: 'bearer' } as const;

/**
 * Vertex AI Gemini: the Gemini wire format on `{region}-aiplatform.googleapis.com`, with an OAuth
 * access token as bearer (the gateway obtains it from a service-account key: src/ai/keys/google-token.ts).
 */
export const vertex = defineGoogleAdapter({
  id: 'vertex',
  displayName: 'Google Vertex AI (Gemini)',
  defaultBaseUrlFor: ({ region }) => vertexBaseUrl(region),
  docsUrl: 'https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/inference',
  ...auth,
  requires: ['project', 'region'],
  labels: true,
  modelUrl,
  embeddings: {
    buildRequest: (ex: EmbeddingsExchange): UpstreamCall => ({
      method: 'POST',
      url: modelUrl(ex.target, 'predict'),
      headers: googleHeaders(auth, ex.target, true),
      body: JSON.stringify(toVertexPredictBody(ex)),
      stream: false,
      responseFormat: 'json',
    }),
    parseResponse: (ex, body) => parseVertexPredict(ex, body),
  },
});
