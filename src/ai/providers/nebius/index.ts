import { defineCompatible } from '../openai-compatible/adapter.js';

/** Nebius AI Studio (Token Factory): OpenAI-compatible. Formerly https://api.studio.nebius.ai/v1. */
export const nebius = defineCompatible({
  id: 'nebius',
  displayName: 'Nebius AI Studio (Token Factory)',
  defaultBaseUrl: 'https://api.tokenfactory.nebius.com/v1',
  docsUrl: 'https://docs.tokenfactory.nebius.com/api-reference',
  topK: true,
});
