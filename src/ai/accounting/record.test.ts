import { describe, expect, it } from 'vitest';
import { lookupModel } from '../catalog/catalog.js';
import { servedAnnotation, type AnnotationBase } from './record.js';

const base: AnnotationBase = { api: 'chat', requested_model: 'fast', model: 'gpt-4o', provider: 'openai', upstream_model: 'gpt-4o-2024-08-06', key: 'main', attempts: 1, stream: false };
const usage = { inputTokens: 1000, outputTokens: 500, totalTokens: 1500, cachedInputTokens: 200 };
const priced = lookupModel('openai', 'openai', 'x', { x: { input: 3, output: 15, cached_input: 0.3 } });

/** JSON drops the fields left undefined: what call logs and the admin API show. */
const shown = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

describe('servedAnnotation', () => {
  it('holds who served the call, the tokens, their cost and how the call ended', () => {
    const a = servedAnnotation(base, usage, priced, 'provider', { finish_reason: 'stop', first_token_ms: 12.5 });
    expect(shown(a)).toEqual({
      ...base,
      tokens: { input: 1000, output: 500, cached: 200, cache_write: 0, reasoning: 0 },
      usage_source: 'provider',
      cost: (800 * 3 + 200 * 0.3 + 500 * 15) / 1e6,
      currency: 'USD',
      first_token_ms: 12.5,
      finish_reason: 'stop',
    });
  });

  it('says nothing of usage, cost or currency when they are unknown', () => {
    expect(shown(servedAnnotation(base, undefined, priced, 'provider', { error: 'ai.stream_failed' }))).toEqual({ ...base, error: 'ai.stream_failed' });
    const unpriced = servedAnnotation(base, usage, lookupModel('p', 'custom', 'unknown-model-xyz'), 'estimated');
    expect(shown(unpriced)).toEqual({ ...base, tokens: { input: 1000, output: 500, cached: 200, cache_write: 0, reasoning: 0 }, usage_source: 'estimated' });
  });
});
