import { defineCompatible } from '../openai-compatible/adapter.js';

/** DeepInfra: OpenAI-compatible. OpenAI-compatible endpoint under /v1/openai. */
export const deepinfra = defineCompatible({
  id: 'deepinfra',
  displayName: 'DeepInfra',
  defaultBaseUrl: 'https://api.deepinfra.com/v1/openai',
  docsUrl: 'https://deepinfra.com/docs/openai_api',
  topK: true,
});
