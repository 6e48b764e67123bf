import { defineCompatible } from '../openai-compatible/adapter.js';

/** Hugging Face Text Generation Inference: OpenAI-compatible. TGI's Messages API; the model name is ignored by a single-model server (send `tgi`). */
export const huggingfaceTgi = defineCompatible({
  id: 'huggingface-tgi',
  displayName: 'Hugging Face Text Generation Inference',
  defaultBaseUrl: 'http://localhost:8080/v1',
  docsUrl: 'https://huggingface.co/docs/text-generation-inference/messages_api',
  keyOptional: true,
  embeddingsPath: null,
  capabilities: { embeddings: false },
});
