import { defineCompatible } from '../openai-compatible/adapter.js';

/** OpenRouter: OpenAI-compatible. Reasoning is `reasoning: {effort|max_tokens}` in and `reasoning` out; errors can arrive as `data: {"error":…}` after a 200. Attribution headers (HTTP-Referer, X-Title) go in the target's extra headers. */
export const openrouter = defineCompatible({
  id: 'openrouter',
  displayName: 'OpenRouter',
  defaultBaseUrl: 'https://openrouter.ai/api/v1',
  docsUrl: 'https://openrouter.ai/docs/api-reference/chat-completion',
  topK: true,
  reasoningParam: 'openrouter',
  embeddingsPath: null,
  capabilities: { reasoning: true },
});
