import { defineCompatible } from '../openai-compatible/adapter.js';

/** Groq: OpenAI-compatible. Groq refuses logprobs, logit_bias, top_logprobs, messages[].name and n > 1 with a 400; usage also rides in `x_groq.usage`. */
export const groq = defineCompatible({
  id: 'groq',
  displayName: 'Groq',
  defaultBaseUrl: 'https://api.groq.com/openai/v1',
  docsUrl: 'https://console.groq.com/docs/openai',
  unsupported: ['logprobs', 'logit_bias', 'n', 'name'],
  reasoningParam: 'reasoning_effort',
  embeddingsPath: null,
  capabilities: { logprobs: false, multipleChoices: false, reasoning: true },
});
