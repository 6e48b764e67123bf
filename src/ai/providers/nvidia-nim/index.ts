import { defineCompatible } from '../openai-compatible/adapter.js';

/** NVIDIA NIM: OpenAI-compatible. Hosted NIM endpoints; self-hosted NIM containers serve the same API at their own base URL. */
export const nvidiaNim = defineCompatible({
  id: 'nvidia-nim',
  displayName: 'NVIDIA NIM',
  defaultBaseUrl: 'https://integrate.api.nvidia.com/v1',
  docsUrl: 'https://docs.api.nvidia.com/nim/reference/llm-apis',
});
