import { defineCompatible } from '../openai-compatible/adapter.js';

/** DeepSeek: OpenAI-compatible. Reasoning arrives as `reasoning_content` (never sent back: DeepSeek refuses it in input); cache hits as `prompt_cache_hit_tokens`. */
export const deepseek = defineCompatible({
  id: 'deepseek',
  displayName: 'DeepSeek',
  defaultBaseUrl: 'https://api.deepseek.com',
  docsUrl: 'https://api-docs.deepseek.com/api/create-chat-completion',
  unsupported: ['images'],
  embeddingsPath: null,
  capabilities: { vision: false, reasoning: true },
});
