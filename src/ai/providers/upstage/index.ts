import { defineCompatible } from '../openai-compatible/adapter.js';

/** Upstage (Solar): OpenAI-compatible. */
export const upstage = defineCompatible({
  id: 'upstage',
  displayName: 'Upstage (Solar)',
  defaultBaseUrl: 'https://api.upstage.ai/v1',
  docsUrl: 'https://console.upstage.ai/api/chat',
});
