import { defineCompatible } from '../openai-compatible/adapter.js';

/** vLLM: OpenAI-compatible. Self-hosted; `--api-key` makes the key mandatory. Reasoning parsers emit `reasoning_content`. */
export const vllm = defineCompatible({
  id: 'vllm',
  displayName: 'vLLM',
  defaultBaseUrl: 'http://localhost:8000/v1',
  docsUrl: 'https://docs.vllm.ai/en/latest/serving/openai_compatible_server.html',
  keyOptional: true,
  topK: true,
  capabilities: { reasoning: true },
});
