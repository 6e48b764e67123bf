import { defineCompatible } from '../openai-compatible/adapter.js';

/** Ollama (OpenAI-compatible): OpenAI-compatible. Ollama's /v1 endpoints; the native /api/chat adapter is `ollama`. */
export const ollamaOpenai = defineCompatible({
  id: 'ollama-openai',
  displayName: 'Ollama (OpenAI-compatible)',
  defaultBaseUrl: 'http://localhost:11434/v1',
  docsUrl: 'https://github.com/ollama/ollama/blob/main/docs/openai.md',
  keyOptional: true,
  capabilities: { reasoning: true, logprobs: false },
});
