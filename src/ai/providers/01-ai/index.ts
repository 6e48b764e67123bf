import { defineCompatible } from '../openai-compatible/adapter.js';

/** 01.AI (Yi): OpenAI-compatible. International: https://api.01.ai/v1. */
export const zeroOneAi = defineCompatible({
  id: '01-ai',
  displayName: '01.AI (Yi)',
  defaultBaseUrl: 'https://api.lingyiwanwu.com/v1',
  docsUrl: 'https://platform.lingyiwanwu.com/docs',
  embeddingsPath: null,
});
