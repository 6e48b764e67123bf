import { describe, expect, it } from 'vitest';
import { CATALOG_SOURCE, catalogSize, lookupModel } from './catalog.js';

describe('model catalog', () => {
  it('ships at least 100 models with their attribution and date', () => {
    expect(catalogSize()).toBeGreaterThanOrEqual(100);
    expect(CATALOG_SOURCE.name).toBe('Portkey-AI/models');
    expect(CATALOG_SOURCE.license).toBe('MIT');
    expect(CATALOG_SOURCE.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('knows prices per token, context window and capabilities', () => {
    const m = lookupModel('openai', 'openai', 'gpt-4o');
    expect(m.source).toBe('catalog');
    expect(m.inputPerToken).toBeCloseTo(2.5e-6, 12);
    expect(m.outputPerToken).toBeCloseTo(10e-6, 12);
    expect(m.cachedInputPerToken).toBeCloseTo(1.25e-6, 12);
    expect(m.contextWindow).toBe(128_000);
    expect(m.capabilities).toContain('tools');
    expect(lookupModel('e', 'openai', 'text-embedding-3-small').type).toBe('embedding');
  });

  it('maps adapter ids to catalog providers and falls back to the model name', () => {
    expect(lookupModel('g', 'gemini', 'gemini-2.0-flash-001').key).toBe('google/gemini-2.0-flash-001');
    expect(lookupModel('g', 'gemini', 'gemini-2.5-pro').key).toBe('google/gemini-2.5-pro-lte-128k');
    expect(lookupModel('proxy', 'openai-compatible', 'claude-sonnet-4-5').key).toBe('anthropic/claude-sonnet-4-5');
    expect(lookupModel('azure-east', 'azure-openai', 'my-deployment').source).toBe('unknown');
  });

  it('lets the operator override, field by field', () => {
    const m = lookupModel('azure-east', 'azure-openai', 'gpt-4o', { 'azure-east/gpt-4o': { input: 5 } });
    expect(m.source).toBe('override');
    expect(m.inputPerToken).toBeCloseTo(5e-6, 12);
    expect(m.outputPerToken).toBeCloseTo(10e-6, 12); // from the built-in entry
    const d = lookupModel('azure-east', 'azure-openai', 'my-deployment', { 'my-deployment': { input: 1, output: 2, context_window: 4096 } });
    expect(d.priced).toBe(true);
    expect(d.cachedInputPerToken).toBeCloseTo(1e-6, 12); // no cached price: the input price
    expect(d.contextWindow).toBe(4096);
  });
});
