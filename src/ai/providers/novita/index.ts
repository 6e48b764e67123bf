import { defineCompatible } from '../openai-compatible/adapter.js';

/** Novita AI: OpenAI-compatible. */
export const novita = defineCompatible({
  id: 'novita',
  displayName: 'Novita AI',
  defaultBaseUrl: 'https://api.novita.ai/openai',
  docsUrl: 'https://novita.ai/docs/api-reference/model-apis-llm-create-chat-completion',
  topK: true,
});
