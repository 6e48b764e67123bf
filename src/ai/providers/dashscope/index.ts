import { defineCompatible } from '../openai-compatible/adapter.js';

/** Alibaba Cloud Model Studio (Qwen / DashScope): OpenAI-compatible. International endpoint; mainland China uses https://dashscope.aliyuncs.com/compatible-mode/v1. Qwen thinking arrives as `reasoning_content`. */
export const dashscope = defineCompatible({
  id: 'dashscope',
  displayName: 'Alibaba Cloud Model Studio (Qwen / DashScope)',
  defaultBaseUrl: 'https://dashscope-intl.aliyuncs.com/compatible-mode/v1',
  docsUrl: 'https://www.alibabacloud.com/help/en/model-studio/compatibility-of-openai-with-dashscope',
  topK: true,
  capabilities: { reasoning: true },
});
