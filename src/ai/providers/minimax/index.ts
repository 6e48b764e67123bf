import { defineCompatible } from '../openai-compatible/adapter.js';

/** MiniMax: OpenAI-compatible. Mainland China: https://api.minimaxi.com/v1. */
export const minimax = defineCompatible({
  id: 'minimax',
  displayName: 'MiniMax',
  defaultBaseUrl: 'https://api.minimax.io/v1',
  docsUrl: 'https://platform.minimax.io/docs/api-reference/text-openai-api',
  embeddingsPath: null,
  capabilities: { reasoning: true },
});
