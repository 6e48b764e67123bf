import type { Usage } from '../../core/llm/types.js';
import type { ModelFacts } from '../catalog/catalog.js';
import { costOf } from './cost.js';

/**
 * The `ai` annotation of one request (RequestTrace.annotations.ai): what call logs and analytics
 * read. Tokens are the provider's counts, or local estimates when `usage_source` says so.
 */
export interface AiAnnotation {
  readonly api: 'chat' | 'messages' | 'embeddings' | 'models';
  readonly requested_model?: string;
  readonly model?: string;
  readonly provider?: string;
  readonly upstream_model?: string;
  readonly key?: string;
  readonly attempts: number;
  readonly stream?: boolean;
  readonly tokens?: { readonly input: number; readonly output: number; readonly cached: number; readonly cache_write: number; readonly reasoning: number };
  readonly usage_source?: 'provider' | 'estimated' | 'partial';
  /** USD; absent when the model has no known price. */
  readonly cost?: number;
  readonly currency?: 'USD';
  readonly first_token_ms?: number;
  readonly finish_reason?: string;
  readonly error?: string;
}

export function tokensOf(u: Usage): NonNullable<AiAnnotation['tokens']> {
  return {
    input: u.inputTokens,
    output: u.outputTokens,
    cached: u.cachedInputTokens ?? 0,
    cache_write: u.cacheCreationInputTokens ?? 0,
    reasoning: u.reasoningTokens ?? 0,
  };
}

export function usageFields(u: Usage | undefined, facts: ModelFacts | undefined, source: AiAnnotation['usage_source']): Pick<AiAnnotation, 'tokens' | 'usage_source' | 'cost' | 'currency'> {
  if (!u) return {};
  const cost = facts ? costOf(u, facts) : undefined;
  return { tokens: tokensOf(u), usage_source: source, ...(cost !== undefined ? { cost, currency: 'USD' as const } : {}) };
}
