import { defineCompatible } from '../openai-compatible/adapter.js';

/** Fireworks AI: OpenAI-compatible. Model ids look like `accounts/fireworks/models/<name>`. */
export const fireworks = defineCompatible({
  id: 'fireworks',
  displayName: 'Fireworks AI',
  defaultBaseUrl: 'https://api.fireworks.ai/inference/v1',
  docsUrl: 'https://docs.fireworks.ai/api-reference/post-chatcompletions',
  topK: true,
  reasoningParam: 'reasoning_effort',
  capabilities: { reasoning: true },
});
