import { defineCompatible } from '../openai-compatible/adapter.js';

/** Moonshot AI (Kimi): OpenAI-compatible. Mainland China: https://api.moonshot.cn/v1. Cache hits reported as `cached_tokens`. */
export const moonshot = defineCompatible({
  id: 'moonshot',
  displayName: 'Moonshot AI (Kimi)',
  defaultBaseUrl: 'https://api.moonshot.ai/v1',
  docsUrl: 'https://platform.moonshot.ai/docs/api/chat',
  embeddingsPath: null,
  capabilities: { reasoning: true },
});
