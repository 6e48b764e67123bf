import { defineCompatible } from '../openai-compatible/adapter.js';

/** Tencent Hunyuan: OpenAI-compatible. Hunyuan-specific switches (e.g. enable_enhancement) go in `extra`. */
export const hunyuan = defineCompatible({
  id: 'hunyuan',
  displayName: 'Tencent Hunyuan',
  defaultBaseUrl: 'https://api.hunyuan.cloud.tencent.com/v1',
  docsUrl: 'https://cloud.tencent.com/document/product/1729/111007',
});
