import { defineCompatible } from '../openai-compatible/adapter.js';

/** SambaNova Cloud: OpenAI-compatible. */
export const sambanova = defineCompatible({
  id: 'sambanova',
  displayName: 'SambaNova Cloud',
  defaultBaseUrl: 'https://api.sambanova.ai/v1',
  docsUrl: 'https://docs.sambanova.ai/cloud/api-reference/endpoints/chat',
  unsupported: ['n', 'logprobs', 'logit_bias'],
  topK: true,
  capabilities: { multipleChoices: false, logprobs: false },
});
