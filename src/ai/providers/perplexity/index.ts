import { defineCompatible } from '../openai-compatible/adapter.js';

/** Perplexity: OpenAI-compatible. Sonar models: no tools; usage is sent on stream chunks unasked. Citations and search results pass through untranslated. */
export const perplexity = defineCompatible({
  id: 'perplexity',
  displayName: 'Perplexity',
  defaultBaseUrl: 'https://api.perplexity.ai',
  docsUrl: 'https://docs.perplexity.ai/api-reference/chat-completions-post',
  unsupported: ['tools', 'n', 'logprobs', 'logit_bias', 'images'],
  streamUsage: 'always',
  embeddingsPath: null,
  modelsPath: null,
  capabilities: { tools: false, toolStreaming: false, vision: false, multipleChoices: false, logprobs: false, reasoning: true },
});
