import { parseDuration } from '../../core/duration.js';
import type { RoutingConfig } from '../config/schema.js';

/** Routing settings of one model, defaults and overrides merged, durations in ms. Built at compile time. */
export interface RoutingSettings {
  readonly retries: number;
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
  readonly fallbackStatus: ReadonlySet<number>;
  readonly fallbackOnTimeout: boolean;
  readonly fallbackOnConnectError: boolean;
  readonly attemptMs: number;
  readonly firstTokenMs: number;
  readonly overallMs: number;
  readonly breaker: { readonly failures: number; readonly cooldownMs: number };
  readonly keyCooldownMs: number;
}

export const DEFAULT_ROUTING: RoutingSettings = Object.freeze({
  retries: 2,
  backoffMs: 100,
  maxBackoffMs: 2000,
  fallbackStatus: new Set([429, 500, 502, 503, 504, 529]),
  fallbackOnTimeout: true,
  fallbackOnConnectError: true,
  attemptMs: 120_000,
  firstTokenMs: 30_000,
  overallMs: 300_000,
  breaker: { failures: 5, cooldownMs: 30_000 },
  keyCooldownMs: 30_000,
});

const ms = (v: number | string | undefined, fallback: number) => (v === undefined ? fallback : (parseDuration(v) ?? fallback));

/** `base` with the fields `over` sets replaced. */
export function mergeRouting(base: RoutingSettings, over: RoutingConfig | undefined): RoutingSettings {
  if (!over) return base;
  return {
    retries: over.retries?.attempts ?? base.retries,
    backoffMs: ms(over.retries?.backoff, base.backoffMs),
    maxBackoffMs: ms(over.retries?.max_backoff, base.maxBackoffMs),
    fallbackStatus: over.fallback_on?.status ? new Set(over.fallback_on.status) : base.fallbackStatus,
    fallbackOnTimeout: over.fallback_on?.timeout ?? base.fallbackOnTimeout,
    fallbackOnConnectError: over.fallback_on?.connect_error ?? base.fallbackOnConnectError,
    attemptMs: ms(over.timeouts?.attempt, base.attemptMs),
    firstTokenMs: ms(over.timeouts?.first_token, base.firstTokenMs),
    overallMs: ms(over.timeouts?.overall, base.overallMs),
    breaker: {
      failures: over.circuit_breaker?.failures ?? base.breaker.failures,
      cooldownMs: ms(over.circuit_breaker?.cooldown, base.breaker.cooldownMs),
    },
    keyCooldownMs: ms(over.key_cooldown, base.keyCooldownMs),
  };
}
