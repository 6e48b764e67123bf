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
});
