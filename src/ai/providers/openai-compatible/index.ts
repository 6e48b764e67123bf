import { defineCompatible } from './adapter.js';

/**
 * Any server that speaks OpenAI Chat Completions (a self-hosted gateway, a new vendor): the catalog
 * gives its base URL. Conservative quirks: `max_tokens`, usage asked with `stream_options`.
 */
export const openaiCompatible = defineCompatible({
  id: 'openai-compatible',
  displayName: 'Custom OpenAI-compatible server',
  keyOptional: true,
  docsUrl: 'https://platform.openai.com/docs/api-reference/chat',
  capabilities: { reasoning: true },
});
