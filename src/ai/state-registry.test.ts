import { describe, expect, it } from 'vitest';
import { StateRegistry } from './state-registry.js';

describe('StateRegistry', () => {
  it('returns the same object for a key until it is dropped', () => {
    let made = 0;
    const r = new StateRegistry(() => ({ n: ++made }), 3);
    const a = r.get('a');
    expect(r.get('a')).toBe(a);
    expect(made).toBe(1);
  });

  it('past its capacity drops the entry looked up least recently, not the oldest created', () => {
    const r = new StateRegistry(() => ({}), 3);
    const a = r.get('a');
    const b = r.get('b');
    r.get('c');
    r.get('a'); // a recompile uses a again: b is now the least recent
    r.get('d');
    expect(r.size).toBe(3);
    expect(r.get('a')).toBe(a);
    expect(r.get('b')).not.toBe(b); // dropped, so created anew
  });

  it('stays bounded however many keys pass through it', () => {
    const r = new StateRegistry(() => ({}), 100);
    for (let i = 0; i < 10_000; i++) r.get(`provider-${i}`);
    expect(r.size).toBe(100);
  });
});
