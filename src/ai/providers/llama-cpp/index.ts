import { defineCompatible } from '../openai-compatible/adapter.js';

/** llama.cpp server: OpenAI-compatible. llama-server's OpenAI-compatible endpoints. */
export const llamaCpp = defineCompatible({
  id: 'llama-cpp',
  displayName: 'llama.cpp server',
  defaultBaseUrl: 'http://localhost:8080/v1',
  docsUrl: 'https://github.com/ggml-org/llama.cpp/tree/master/tools/server',
  keyOptional: true,
  topK: true,
  capabilities: { reasoning: true },
});
