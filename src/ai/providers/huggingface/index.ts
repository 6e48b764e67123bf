import { defineCompatible } from '../openai-compatible/adapter.js';

/** Hugging Face Inference Providers: OpenAI-compatible. The router picks a provider; pin one with a `:provider` model suffix. */
export const huggingface = defineCompatible({
  id: 'huggingface',
  displayName: 'Hugging Face Inference Providers',
  defaultBaseUrl: 'https://router.huggingface.co/v1',
  docsUrl: 'https://huggingface.co/docs/inference-providers/index',
  embeddingsPath: null,
});
