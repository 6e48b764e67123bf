import { defineCompatible } from '../openai-compatible/adapter.js';

/** Volcengine Ark (Doubao): OpenAI-compatible. The model is an Ark model id or an endpoint id (`ep-…`). */
export const volcengine = defineCompatible({
  id: 'volcengine',
  displayName: 'Volcengine Ark (Doubao)',
  defaultBaseUrl: 'https://ark.cn-beijing.volces.com/api/v3',
  docsUrl: 'https://www.volcengine.com/docs/82379/1494384',
  capabilities: { reasoning: true },
});
