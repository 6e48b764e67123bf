import type { ClientSignal } from '../../core/client-signal.js';

/**
 * Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"): sleep a uniform random time in
 * [0, min(cap, base × 2^retry)). Spreads retries of many clients instead of synchronising them.
 */
export function fullJitter(retry: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(retry, 30));
  return Math.floor(random() * ceiling);
}

/** Resolves after `ms`, or early (without rejecting) when the signal aborts. */
export function sleep(ms: number, signal?: ClientSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.offAbort(done);
      resolve();
    }
    signal?.onAbort(done);
  });
}
