import type { QuotaPeriod } from '../core/counters.js';

const DAY = 86_400_000;

/**
 * The calendar period (UTC) containing `nowMs`: days start at 00:00, weeks on Monday (ISO 8601),
 * months on the 1st. The same arithmetic runs in the Redis quota script (scripts.ts), so memory and
 * Redis agree on every boundary.
 */
export function periodBounds(nowMs: number, period: QuotaPeriod): { start: number; end: number } {
  const days = Math.floor(nowMs / DAY);
  if (period === 'day') return { start: days * DAY, end: (days + 1) * DAY };
  if (period === 'week') {
    // 1970-01-01 was a Thursday: (days + 3) mod 7 is 0 on Mondays.
    const monday = days - ((((days + 3) % 7) + 7) % 7);
    return { start: monday * DAY, end: (monday + 7) * DAY };
  }
  const d = new Date(days * DAY);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  return { start: Date.UTC(y, m, 1), end: Date.UTC(y, m + 1, 1) };
}
