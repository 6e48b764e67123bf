import type { Usage } from './types.js';

export interface UsageCounts {
  /** All prompt tokens, cached and cache-creation included. */
  readonly input: number;
  /** All generated tokens, reasoning included. */
  readonly output: number;
  readonly cached?: number;
  readonly cacheCreation?: number;
  readonly reasoning?: number;
}

/** A canonical `Usage` with `totalTokens` = input + output; zero optional counters are kept (the provider said 0). */
export function makeUsage(c: UsageCounts): Usage {
  const u: { -readonly [K in keyof Usage]: Usage[K] } = {
    inputTokens: c.input,
    outputTokens: c.output,
    totalTokens: c.input + c.output,
  };
  if (c.cached !== undefined) u.cachedInputTokens = c.cached;
  if (c.cacheCreation !== undefined) u.cacheCreationInputTokens = c.cacheCreation;
  if (c.reasoning !== undefined) u.reasoningTokens = c.reasoning;
  return u;
}

export const ZERO_USAGE: Usage = Object.freeze({ inputTokens: 0, outputTokens: 0, totalTokens: 0 });

/** A non-negative integer from a provider field, or undefined. */
export function count(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}
