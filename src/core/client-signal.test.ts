import { describe, expect, it } from 'vitest';
import { ClientGone } from './client-signal.js';

describe('ClientGone', () => {
  it('calls each listener once when the client goes away, and not those removed', () => {
    const s = new ClientGone();
    const calls: string[] = [];
    const a = () => calls.push('a');
    const b = () => calls.push('b');
    s.onAbort(a);
    s.onAbort(b);
    s.offAbort(a);
    expect(s.aborted).toBe(false);
    s.abort();
    s.abort();
    expect(s.aborted).toBe(true);
    expect(calls).toEqual(['b']);
  });

  it('calls a listener registered after the abort at once', () => {
    const s = new ClientGone();
    s.abort();
    let called = 0;
    s.onAbort(() => called++);
    expect(called).toBe(1);
  });

  it('lets a listener remove another during the abort without skipping or repeating any', () => {
    const s = new ClientGone();
    const calls: string[] = [];
    const b = () => calls.push('b');
    s.onAbort(() => {
      calls.push('a');
      s.offAbort(b);
    });
    s.onAbort(b);
    s.abort();
    // The list is taken before the first call: removing from it then changes nothing already decided.
    expect(calls).toEqual(['a', 'b']);
  });
});
