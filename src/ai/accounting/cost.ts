import type { Usage } from '../../core/llm/types.js';
import type { ModelFacts } from '../catalog/catalog.js';

/**
 * USD cost of one exchange from precomputed per-token prices: a few multiply-adds, no lookups.
 * `inputTokens` includes cached and cache-write tokens (canonical semantics): they are billed at
 * their own rates and the remainder at the input rate.
 */
export function costOf(u: Usage, f: ModelFacts): number | undefined {
  if (!f.priced) return undefined;
  const cached = u.cachedInputTokens ?? 0;
  const written = u.cacheCreationInputTokens ?? 0;
  const plain = Math.max(0, u.inputTokens - cached - written);
  const usd = plain * f.inputPerToken + cached * f.cachedInputPerToken + written * f.cacheWritePerToken + u.outputTokens * f.outputPerToken;
  return Math.round(usd * 1e10) / 1e10;
}
