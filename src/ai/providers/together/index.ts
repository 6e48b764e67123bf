import { defineCompatible } from '../openai-compatible/adapter.js';

/** Together AI: OpenAI-compatible. Accepts top_k and repetition_penalty (via extra). */
export const together = defineCompatible({
  id: 'together',
  displayName: 'Together AI',
  defaultBaseUrl: 'https://api.together.xyz/v1',
  docsUrl: 'https://docs.together.ai/reference/chat-completions-1',
  topK: true,
  reasoningParam: 'reasoning_effort',
  capabilities: { reasoning: true },
});
