import { defineCompatible } from '../openai-compatible/adapter.js';

/** Cerebras: OpenAI-compatible. */
export const cerebras = defineCompatible({
  id: 'cerebras',
  displayName: 'Cerebras',
  defaultBaseUrl: 'https://api.cerebras.ai/v1',
  docsUrl: 'https://inference-docs.cerebras.ai/api-reference/chat-completions',
  unsupported: ['n', 'logit_bias'],
  reasoningParam: 'reasoning_effort',
  embeddingsPath: null,
  capabilities: { multipleChoices: false, vision: false, reasoning: true },
});
