import { defineCompatible } from '../openai-compatible/adapter.js';

/** LM Studio: OpenAI-compatible. Local server; no key unless configured. */
export const lmStudio = defineCompatible({
  id: 'lm-studio',
  displayName: 'LM Studio',
  defaultBaseUrl: 'http://localhost:1234/v1',
  docsUrl: 'https://lmstudio.ai/docs/app/api/endpoints/openai',
  keyOptional: true,
  topK: true,
  capabilities: { reasoning: true },
});
