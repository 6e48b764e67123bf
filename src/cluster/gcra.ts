import type { RateState } from '../core/counters.js';

/** Float slack (ms) so that exact multiples of the emission interval are not lost to rounding. */
export const EPSILON = 1e-6;

/**
 * What a GCRA limit reports, given `debt` = TAT − now before this request (ms), the emission interval
 * `T` and the capacity `D`. When the request is accepted, the report is after it; otherwise as is.
 * `remaining` requests fit now; `waitMs` is the time until one more does (for a refused request: until
 * it would be accepted). Mirrored in the Redis script (scripts.ts).
 */
export function gcraState(debt: number, T: number, D: number, accepted: boolean): RateState {
  const free = D - (accepted ? debt + T : debt);
  const remaining = free <= 0 ? 0 : Math.floor(free / T + EPSILON);
  return { remaining, waitMs: Math.max(0, (remaining + 1) * T - free) };
}
