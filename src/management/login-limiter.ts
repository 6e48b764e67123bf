/**
 * Failed-login counters per email and per client address, in memory (per instance), fixed windows.
 * Checked before the password is verified, so a locked-out guesser cannot even burn scrypt time.
 */
export class LoginLimiter {
  private readonly counts = new Map<string, { n: number; reset: number }>();

  constructor(private readonly limits: { perEmail: number; perIp: number; windowMs: number } = { perEmail: 5, perIp: 20, windowMs: 15 * 60_000 }) {}

  /** Seconds until another attempt is allowed, or 0. */
  retryAfter(email: string, ip: string, now = Date.now()): number {
    let wait = 0;
    for (const [key, max] of [[`e:${email}`, this.limits.perEmail], [`i:${ip}`, this.limits.perIp]] as const) {
      const c = this.counts.get(key);
      if (c && c.reset > now && c.n >= max) wait = Math.max(wait, Math.ceil((c.reset - now) / 1000));
    }
    return wait;
  }

  failed(email: string, ip: string, now = Date.now()): void {
    for (const key of [`e:${email}`, `i:${ip}`]) {
      const c = this.counts.get(key);
      if (!c || c.reset <= now) this.counts.set(key, { n: 1, reset: now + this.limits.windowMs });
      else c.n++;
    }
    if (this.counts.size > 10_000) for (const [k, c] of this.counts) if (c.reset <= now) this.counts.delete(k);
  }

  succeeded(email: string): void {
    this.counts.delete(`e:${email}`);
  }
}
