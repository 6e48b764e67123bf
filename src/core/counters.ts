/**
 * The `counters` service: shared counting state for the traffic policies (rate-limit, quota,
 * concurrency-limit), provided by the cluster module. In memory it answers synchronously; backed by
 * Redis it answers with a promise after one atomic script call, and rejects when Redis cannot be
 * reached (the policy then fails open or closed, as configured). With `consume: false` (the
 * simulator) every method only peeks.
 */
export const COUNTERS_SERVICE = 'counters';

/** One GCRA limit. `table` names its state and must stay stable across config versions. */
export interface RateSpec {
  readonly table: string;
  /** Time one request costs: window / limit (ms). */
  readonly emissionMs: number;
  /** Burst capacity in time: burst × emissionMs (ms). */
  readonly capacityMs: number;
}

export interface RateState {
  /** Requests still allowed right now (after this one, when it was consumed). */
  readonly remaining: number;
  /** Ms until one more request is allowed (when denied: until this request would be). */
  readonly waitMs: number;
}

export interface RateOutcome {
  readonly allowed: boolean;
  /** Index of the first limit that refused; -1 when allowed. */
  readonly denied: number;
  readonly limits: readonly RateState[];
}

export type QuotaPeriod = 'day' | 'week' | 'month';

/** A request count per calendar period (UTC). */
export interface QuotaSpec {
  readonly table: string;
  readonly limit: number;
  readonly period: QuotaPeriod;
}

export interface QuotaState {
  readonly used: number;
  readonly remaining: number;
  /** End of the current period (ms since the epoch, UTC): when the count starts again at 0. */
  readonly resetAt: number;
  /** Ms from now until `resetAt`. */
  readonly resetMs: number;
}

export interface QuotaOutcome {
  readonly allowed: boolean;
  readonly denied: number;
  readonly limits: readonly QuotaState[];
}

export interface ConcurrencySpec {
  readonly table: string;
  readonly limit: number;
  /** Shared stores only: a slot whose holder vanished (crash) frees itself after this (ms). */
  readonly leaseMs: number;
}

/** A held concurrency slot; give it back with `release`. Opaque to policies. */
export interface ConcurrencySlot {
  readonly table: string;
  readonly partition: string;
}

export interface ConcurrencyOutcome {
  readonly allowed: boolean;
  /** Requests in flight for this partition (including this one when it took a slot). */
  readonly inFlight: number;
  /** Present when a slot was taken. */
  readonly slot?: ConcurrencySlot;
}

export interface Counters {
  /** `memory` (this process) or `redis` (shared by every instance using the same Redis). */
  readonly kind: 'memory' | 'redis';
  /** Conforms to every limit (partition i for limit i) or consumes nothing. */
  rate(specs: readonly RateSpec[], partitions: readonly string[], consume: boolean): RateOutcome | Promise<RateOutcome>;
  /** Counts one request in every quota, or in none when one is exhausted. */
  quota(specs: readonly QuotaSpec[], partitions: readonly string[], consume: boolean): QuotaOutcome | Promise<QuotaOutcome>;
  acquire(spec: ConcurrencySpec, partition: string, consume: boolean): ConcurrencyOutcome | Promise<ConcurrencyOutcome>;
  /** Gives a slot back. Never throws; a shared slot that cannot be released expires with its lease. */
  release(slot: ConcurrencySlot): void;
}
