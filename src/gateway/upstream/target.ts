/** Health settings of a service, compiled (milliseconds, sets). */
export interface PassiveHealth {
  readonly failures: number;
  readonly ejectionMs: number;
  readonly onStatus: ReadonlySet<number>;
}

/**
 * One upstream target and its health. Passive: consecutive failures eject it for `ejectionMs`, after
 * which one trial request decides (half-open). Active: probe results with thresholds. The state object
 * outlives config versions (keyed by service and URL), so a reload does not forget an outage.
 */
export class TargetState {
  inflight = 0;
  consecutiveFailures = 0;
  ejectedUntil = 0;
  /** A trial request is in flight after an ejection expired. */
  trialInFlight = false;
  /** Result of active probes (true until a probe says otherwise). */
  activeHealthy = true;
  activeSuccesses = 0;
  activeFailures = 0;
  lastError: string | undefined;

  constructor(readonly key: string, readonly url: string, readonly origin: string) {}

  /** Whether a request may be sent now; claims the half-open trial slot when due. */
  available(now: number): boolean {
    if (!this.activeHealthy) return false;
    if (this.ejectedUntil === 0) return true;
    if (now < this.ejectedUntil || this.trialInFlight) return false;
    return true;
  }

  /** Called when a request is actually sent to this target. */
  begin(now: number): void {
    this.inflight++;
    if (this.ejectedUntil !== 0 && now >= this.ejectedUntil) this.trialInFlight = true;
  }

  succeed(): void {
    this.inflight--;
    this.consecutiveFailures = 0;
    this.ejectedUntil = 0;
    this.trialInFlight = false;
  }

  fail(passive: PassiveHealth | undefined, now: number, error: string): void {
    this.inflight--;
    this.lastError = error;
    this.consecutiveFailures++;
    const wasTrial = this.trialInFlight;
    this.trialInFlight = false;
    if (passive && (wasTrial || this.consecutiveFailures >= passive.failures)) this.ejectedUntil = now + passive.ejectionMs;
  }

  /** The request ended without telling us anything about the target (client went away). */
  release(): void {
    this.inflight--;
    this.trialInFlight = false;
  }

  describe(now: number): { url: string; healthy: boolean; ejected_for_ms?: number; active_healthy: boolean; inflight: number; consecutive_failures: number; last_error?: string } {
    const ejected = this.ejectedUntil > now;
    return {
      url: this.url,
      healthy: this.activeHealthy && !ejected,
      ...(ejected ? { ejected_for_ms: this.ejectedUntil - now } : {}),
      active_healthy: this.activeHealthy,
      inflight: this.inflight,
      consecutive_failures: this.consecutiveFailures,
      ...(this.lastError ? { last_error: this.lastError } : {}),
    };
  }
}

/** Target states shared across config versions. */
export class TargetRegistry {
  private readonly states = new Map<string, TargetState>();

  get(serviceId: string, url: string, origin: string): TargetState {
    const key = `${serviceId} ${url}`;
    let s = this.states.get(key);
    if (!s) {
      s = new TargetState(key, url, origin);
      this.states.set(key, s);
    }
    return s;
  }

  /** Forget targets that no config version uses any more. */
  retain(keys: ReadonlySet<string>): void {
    for (const k of this.states.keys()) if (!keys.has(k)) this.states.delete(k);
  }
}
