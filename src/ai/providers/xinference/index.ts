import { defineCompatible } from '../openai-compatible/adapter.js';

/** Xorbits Inference: OpenAI-compatible. */
export const xinference = defineCompatible({
  id: 'xinference',
  displayName: 'Xorbits Inference',
  defaultBaseUrl: 'http://localhost:9997/v1',
  docsUrl: 'https://inference.readthedocs.io/en/latest/user_guide/client_api.html',
  keyOptional: true,
});
