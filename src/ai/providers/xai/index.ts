import { defineCompatible } from '../openai-compatible/adapter.js';

/** xAI (Grok): OpenAI-compatible. Some Grok versions leave reasoning tokens out of completion_tokens (counted in total_tokens); the shared usage mapping corrects it. */
export const xai = defineCompatible({
  id: 'xai',
  displayName: 'xAI (Grok)',
  defaultBaseUrl: 'https://api.x.ai/v1',
  docsUrl: 'https://docs.x.ai/docs/api-reference',
  reasoningParam: 'reasoning_effort',
  embeddingsPath: null,
  capabilities: { reasoning: true },
});
