import { describe, expect, it } from 'vitest';
import { newRequestId } from './request-id.js';

describe('request ids', () => {
  it('are UUIDv7: the time first, then random', () => {
    const t = Date.UTC(2031, 0, 1, 12, 0, 0, 123);
    const id = newRequestId(t);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(t);
    expect(newRequestId(t)).not.toBe(id);
  });

  it('sort by creation time across milliseconds', () => {
    const ids = [0, 1, 2, 1000, 86_400_000].map((d) => newRequestId(Date.UTC(2031, 0, 1) + d));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(Array.from({ length: 10_000 }, () => newRequestId(5))).size).toBe(10_000);
  });

  it('spread their random digits evenly (each of the 18 random places, and the variant 8-b) across pool refills', () => {
    const n = 16_000;
    const counts = Array.from({ length: 36 }, () => new Map<string, number>());
    for (let k = 0; k < n; k++) {
      const id = newRequestId(7);
      for (let i = 0; i < 36; i++) counts[i]!.set(id[i]!, (counts[i]!.get(id[i]!) ?? 0) + 1);
    }
    const random = [15, 16, 17, 20, 21, 22, ...Array.from({ length: 12 }, (_, i) => 24 + i)];
    for (const i of random) {
      expect(counts[i]!.size).toBe(16);
      for (const c of counts[i]!.values()) expect(Math.abs(c - n / 16)).toBeLessThan(n / 16 / 4);
    }
    expect([...counts[19]!.keys()].sort()).toEqual(['8', '9', 'a', 'b']);
    expect(newRequestId(7).slice(0, 15)).toBe('00000000-0007-7');
  });
});
