import { defineCompatible } from '../openai-compatible/adapter.js';

/** Lambda Inference: OpenAI-compatible. */
export const lambda = defineCompatible({
  id: 'lambda',
  displayName: 'Lambda Inference',
  defaultBaseUrl: 'https://api.lambda.ai/v1',
  docsUrl: 'https://docs.lambda.ai/public-cloud/lambda-inference-api/',
  embeddingsPath: null,
});
