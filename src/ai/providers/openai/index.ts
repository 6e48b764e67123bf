import type { Target } from '../contract.js';
import { defineCompatible } from '../openai-compatible/adapter.js';

function openaiAuth(target: Target): Record<string, string> {
  const h: Record<string, string> = {};
  if (target.apiKey) h.authorization = `Bearer ${target.apiKey}`;
  if (target.organization) h['openai-organization'] = target.organization;
  if (target.project) h['openai-project'] = target.project;
  return h;
}

/**
 * OpenAI Chat Completions, embeddings and models. `max_completion_tokens` (required by reasoning
 * models, accepted by all), the `developer` role, `reasoning_effort` and `metadata` go through as is.
 */
export const openai = defineCompatible({
  id: 'openai',
  displayName: 'OpenAI',
  defaultBaseUrl: 'https://api.openai.com/v1',
  docsUrl: 'https://platform.openai.com/docs/api-reference/chat',
  maxTokensField: 'max_completion_tokens',
  developerRole: true,
  reasoningParam: 'reasoning_effort',
  metadata: true,
  capabilities: { reasoning: true },
  hooks: { authHeaders: openaiAuth },
});
