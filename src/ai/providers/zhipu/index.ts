import { defineCompatible } from '../openai-compatible/adapter.js';

/** Zhipu AI (GLM): OpenAI-compatible. International (Z.ai): https://api.z.ai/api/paas/v4. Finish reason `sensitive` maps to content_filter. */
export const zhipu = defineCompatible({
  id: 'zhipu',
  displayName: 'Zhipu AI (GLM)',
  defaultBaseUrl: 'https://open.bigmodel.cn/api/paas/v4',
  docsUrl: 'https://docs.bigmodel.cn/api-reference',
  capabilities: { reasoning: true },
});
