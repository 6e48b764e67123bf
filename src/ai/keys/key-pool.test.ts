import { describe, expect, it } from 'vitest';
import { KeyHealth, KeyPool, type ProviderKey } from './key-pool.js';

const key = (id: string, weight = 100, priority = 0): ProviderKey<string> => ({ id, weight, priority, health: new KeyHealth(), material: `sk-${id}` });

describe('key pool', () => {
  it('prefers the lowest priority, and moves on when those keys are out', () => {
    const a = key('a', 100, 0);
    const b = key('b', 100, 1);
    const pool = new KeyPool([b, a]);
    expect(pool.pick(0)!.id).toBe('a');
    a.health.disabled = { at: 0, status: 401, message: 'invalid' };
    expect(pool.pick(0)!.id).toBe('b');
    b.health.coolUntil = 5000;
    expect(pool.pick(1000)).toBeUndefined();
    expect(pool.nextUsableAt()).toBe(5000);
    expect(pool.pick(5000)!.id).toBe('b');
  });

  it('excludes keys already tried in this request', () => {
    const a = key('a');
    const b = key('b');
    const pool = new KeyPool([a, b]);
    expect(pool.pick(0, new Set([a]))!.id).toBe('b');
    expect(pool.pick(0, new Set([a, b]))).toBeUndefined();
  });

  it('knows when every key is disabled', () => {
    const a = key('a');
    const pool = new KeyPool([a, key('z', 0)]);
    expect(pool.allDisabled).toBe(false);
    a.health.disabled = { at: 0, status: 401, message: 'x' };
    expect(pool.allDisabled).toBe(true);
    expect(pool.nextUsableAt()).toBeUndefined();
  });
});
