import { describe, expect, it } from 'vitest';
import { lookupModel } from '../catalog/catalog.js';
import { costOf } from './cost.js';
import { countTokens, estimatePromptTokens } from './estimate.js';

describe('cost', () => {
  it('bills cached and cache-write tokens at their own rates', () => {
    const f = lookupModel('anthropic', 'anthropic', 'x', { x: { input: 3, output: 15, cached_input: 0.3, cache_write: 3.75 } });
    // 1000 input of which 200 cached and 100 written; 500 output
    const usd = costOf({ inputTokens: 1000, outputTokens: 500, totalTokens: 1500, cachedInputTokens: 200, cacheCreationInputTokens: 100 }, f)!;
    expect(usd).toBeCloseTo((700 * 3 + 200 * 0.3 + 100 * 3.75 + 500 * 15) / 1e6, 12);
  });

  it('is absent for unpriced models', () => {
    expect(costOf({ inputTokens: 1, outputTokens: 1, totalTokens: 2 }, lookupModel('p', 'custom', 'unknown-model-xyz'))).toBeUndefined();
  });
});

describe('token estimates', () => {
  it('counts with o200k and adds chat framing', async () => {
    expect(await countTokens('hello world')).toBe(2);
    const n = await estimatePromptTokens({ model: 'm', stream: false, messages: [{ role: 'user', content: 'hello world' }] });
    expect(n).toBe(2 + 3 + 3);
  });
});
