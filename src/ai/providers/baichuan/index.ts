import { defineCompatible } from '../openai-compatible/adapter.js';

/** Baichuan: OpenAI-compatible. */
export const baichuan = defineCompatible({
  id: 'baichuan',
  displayName: 'Baichuan',
  defaultBaseUrl: 'https://api.baichuan-ai.com/v1',
  docsUrl: 'https://platform.baichuan-ai.com/docs/api',
  topK: true,
});
