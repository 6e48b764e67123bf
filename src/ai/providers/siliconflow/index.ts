import { defineCompatible } from '../openai-compatible/adapter.js';

/** SiliconFlow: OpenAI-compatible. International: https://api.siliconflow.com/v1. */
export const siliconflow = defineCompatible({
  id: 'siliconflow',
  displayName: 'SiliconFlow',
  defaultBaseUrl: 'https://api.siliconflow.cn/v1',
  docsUrl: 'https://docs.siliconflow.cn/en/api-reference/chat-completions/chat-completions',
  topK: true,
  capabilities: { reasoning: true },
});
