import { createHash } from 'node:crypto';
import { defineCompatible } from '../openai-compatible/adapter.js';

const ID_OK = /^[a-zA-Z0-9]{9}$/;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/**
 * Mistral accepts only 9-character alphanumeric tool-call ids. Ids from other providers
 * (`call_…`, `toolu_…`) are hashed deterministically, so a call and its result still match.
 */
export function mistralToolCallId(id: string): string {
  if (ID_OK.test(id)) return id;
  const h = createHash('sha256').update(id).digest();
  let out = '';
  for (let i = 0; i < 9; i++) out += ALPHABET.charAt(h[i]! % ALPHABET.length);
  return out;
}

/**
 * Mistral La Plateforme: OpenAI-like with `random_seed`, usage sent on the last chunk unasked (it
 * refuses `stream_options`), magistral `thinking` content parts, whole tool calls in one chunk.
 */
export const mistral = defineCompatible({
  id: 'mistral',
  displayName: 'Mistral AI',
  defaultBaseUrl: 'https://api.mistral.ai/v1',
  docsUrl: 'https://docs.mistral.ai/api/',
  streamUsage: 'always',
  unsupported: ['logit_bias'],
  drop: ['user', 'metadata'],
  capabilities: { reasoning: true, toolStreaming: false },
  hooks: {
    toolCallId: mistralToolCallId,
    finishBody: (body) => {
      if (body.seed !== undefined) {
        body.random_seed = body.seed;
        delete body.seed;
      }
    },
  },
});
