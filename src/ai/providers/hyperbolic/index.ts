import { defineCompatible } from '../openai-compatible/adapter.js';

/** Hyperbolic: OpenAI-compatible. */
export const hyperbolic = defineCompatible({
  id: 'hyperbolic',
  displayName: 'Hyperbolic',
  defaultBaseUrl: 'https://api.hyperbolic.xyz/v1',
  docsUrl: 'https://docs.hyperbolic.xyz/docs/rest-api',
  topK: true,
  embeddingsPath: null,
});
