export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerSettings {
  /** Consecutive failures that open the circuit. */
  readonly failures: number;
  /** How long the circuit stays open before one trial request. */
  readonly cooldownMs: number;
}

/**
 * A circuit breaker per target (provider, model). Closed: requests flow, consecutive failures are
 * counted. Open: the target is skipped until the cool-down passed. Half-open: exactly one trial
 * request goes through; its success closes the circuit, its failure opens it again.
 * Lives across config versions (keyed by target), so a reload does not forget an outage.
 */
export class CircuitBreaker {
  private failures = 0;
  private openUntil = 0;
  private trial = false;
  private opened = 0;

  /** May a request be sent now? In half-open state this claims the single trial. */
  tryAcquire(now: number): boolean {
    if (this.openUntil === 0) return true;
    if (now < this.openUntil || this.trial) return false;
    this.trial = true;
    return true;
  }

  /** Would `tryAcquire` succeed (without claiming anything)? */
  available(now: number): boolean {
    return this.openUntil === 0 || (now >= this.openUntil && !this.trial);
  }

  state(now: number): BreakerState {
    if (this.openUntil === 0) return 'closed';
    return now < this.openUntil && !this.trial ? 'open' : 'half-open';
  }

  /** When an open circuit allows its trial (0 when closed). */
  get retryAt(): number {
    return this.openUntil;
  }

  get timesOpened(): number {
    return this.opened;
  }

  success(): void {
    this.failures = 0;
    this.openUntil = 0;
    this.trial = false;
  }

  /** Records a failure; returns true when this failure opened (or re-opened) the circuit. */
  failure(now: number, s: BreakerSettings): boolean {
    this.failures++;
    if (this.trial || (this.openUntil === 0 && this.failures >= s.failures)) {
      this.trial = false;
      this.openUntil = now + s.cooldownMs;
      this.opened++;
      return true;
    }
    return false;
  }

  /** A claimed trial ended without a verdict (client went away, 4xx): let another request try. */
  release(): void {
    this.trial = false;
  }

  describe(now: number): { state: BreakerState; consecutive_failures: number; retry_at?: string } {
    const state = this.state(now);
    return { state, consecutive_failures: this.failures, ...(state !== 'closed' ? { retry_at: new Date(this.openUntil).toISOString() } : {}) };
  }
}
