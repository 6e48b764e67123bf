import { defineCompatible } from '../openai-compatible/adapter.js';

/** GitHub Models: OpenAI-compatible. The key is a GitHub token with `models:read`; model ids are `publisher/model`. */
export const githubModels = defineCompatible({
  id: 'github-models',
  displayName: 'GitHub Models',
  defaultBaseUrl: 'https://models.github.ai/inference',
  docsUrl: 'https://docs.github.com/en/rest/models/inference',
  modelsPath: null,
  embeddingsPath: null,
});
