import type { Target } from '../contract.js';
import { defineCompatible } from '../openai-compatible/adapter.js';
import { joinUrl } from '../shared/headers.js';

/** The GA data-plane version used when the target sets none. */
export const AZURE_DEFAULT_API_VERSION = '2024-10-21';

const PATHS = { chat: '/chat/completions', embeddings: '/embeddings', models: '/models' } as const;

/**
 * `https://{resource}.openai.azure.com/openai/deployments/{deployment}/…?api-version=…`, or the
 * v1 API (`…/openai/v1/…`, no api-version) when `apiVersion` is `v1` or the base URL ends in `/openai/v1`.
 */
function azureUrl(target: Target, endpoint: keyof typeof PATHS): string {
  const base = target.baseUrl.replace(/\/+$/, '');
  if (target.apiVersion === 'v1' || base.endsWith('/openai/v1')) {
    return joinUrl(base.endsWith('/openai/v1') ? base : `${base}/openai/v1`, PATHS[endpoint]);
  }
  const version = encodeURIComponent(target.apiVersion ?? AZURE_DEFAULT_API_VERSION);
  if (endpoint === 'models') return `${base}/openai/models?api-version=${version}`;
  const deployment = encodeURIComponent(target.deployment ?? target.providerModel);
  return `${base}/openai/deployments/${deployment}${PATHS[endpoint]}?api-version=${version}`;
}

/** `api-key` for resource keys; a Microsoft Entra token (`apiKey` starting with `Bearer `) goes in Authorization. */
function azureAuth(target: Target): Record<string, string> {
  if (!target.apiKey) return {};
  if (target.apiKey.startsWith('Bearer ')) return { authorization: target.apiKey };
  return { 'api-key': target.apiKey };
}

const REASONING_MODEL = /^(o\d|gpt-5)/i;

/**
 * Azure OpenAI: deployments, `api-key`, `api-version`. Content-filter refusals come back as
 * `finish_reason: content_filter` or a 400 with code `content_filter` (kind `content_filter`); the
 * first stream chunk (empty `choices`, `prompt_filter_results`) produces no canonical chunk.
 */
export const azureOpenai = defineCompatible({
  id: 'azure-openai',
  displayName: 'Azure OpenAI',
  docsUrl: 'https://learn.microsoft.com/en-us/azure/ai-foundry/openai/reference',
  auth: 'api-key-header',
  developerRole: true,
  reasoningParam: 'reasoning_effort',
  capabilities: { reasoning: true },
  hooks: {
    url: azureUrl,
    authHeaders: azureAuth,
    // Reasoning deployments refuse `max_tokens`; older api-versions do not know `max_completion_tokens`.
    finishBody: (body) => {
      const model = typeof body.model === 'string' ? body.model : '';
      if (REASONING_MODEL.test(model) && body.max_tokens !== undefined) {
        body.max_completion_tokens = body.max_tokens;
        delete body.max_tokens;
      }
    },
  },
});
