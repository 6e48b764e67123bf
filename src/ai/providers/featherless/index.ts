import { defineCompatible } from '../openai-compatible/adapter.js';

/** Featherless AI: OpenAI-compatible. */
export const featherless = defineCompatible({
  id: 'featherless',
  displayName: 'Featherless AI',
  defaultBaseUrl: 'https://api.featherless.ai/v1',
  docsUrl: 'https://featherless.ai/docs/api-overview-and-common-options',
  topK: true,
  embeddingsPath: null,
  capabilities: { vision: false },
});
