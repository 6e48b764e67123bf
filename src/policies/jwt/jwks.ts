import type { JsonWebKey } from 'node:crypto';
import type { PolicyHttpClient, PolicyLogger } from '../../core/policy.js';
import { importJwk, type VerifyKey } from './keys.js';

export interface JwksSettings {
  readonly url: string;
  /** Keys older than this are refreshed (in the background while they keep serving). */
  readonly ttlMs: number;
  /** At most one fetch per this interval, whatever triggers it (unknown kid, age, failures). */
  readonly minIntervalMs: number;
  readonly timeoutMs: number;
}

const MAX_KEYS = 100;

/**
 * The keys of one JWKS URL. Kept in the policy's persistent state, so a config reload keeps them.
 * Fetches are single-flight and rate-bounded; a failed refresh keeps the last good keys.
 */
export class JwksCache {
  keys: readonly VerifyKey[] = [];
  /** Time of the last successful fetch (0: never). */
  fetchedAt = 0;
  /** Time of the last fetch attempt, successful or not. */
  lastAttempt = -Infinity;
  lastError: string | undefined;
  private inflight: Promise<void> | undefined;

  constructor(
    private settings: JwksSettings,
    private readonly http: PolicyHttpClient,
    private readonly log: PolicyLogger,
  ) {}

  configure(settings: JwksSettings): void {
    this.settings = settings;
  }

  get url(): string {
    return this.settings.url;
  }

  stale(now: number): boolean {
    return this.fetchedAt === 0 || now - this.fetchedAt >= this.settings.ttlMs;
  }

  mayFetch(now: number): boolean {
    return this.inflight !== undefined || now - this.lastAttempt >= this.settings.minIntervalMs;
  }

  /** Milliseconds until the next fetch is allowed. */
  nextFetchIn(now: number): number {
    return Math.max(0, this.lastAttempt + this.settings.minIntervalMs - now);
  }

  /** Fetches and swaps in the keys (one fetch at a time; callers share it). Rejects when it fails. */
  refresh(): Promise<void> {
    this.inflight ??= (async () => {
      this.lastAttempt = Date.now();
      try {
        this.keys = await this.fetchKeys();
        this.fetchedAt = Date.now();
        this.lastError = undefined;
      } catch (err) {
        this.lastError = err instanceof Error ? err.message : String(err);
        this.log.warn({ jwks: this.settings.url, err: this.lastError }, 'JWKS fetch failed; keeping the previous keys');
        throw err;
      } finally {
        this.inflight = undefined;
      }
    })();
    return this.inflight;
  }

  /** One fetch without touching the cache (the simulator). */
  async fetchKeys(): Promise<VerifyKey[]> {
    const r = await this.http.request(this.settings.url, { method: 'GET', headers: { accept: 'application/jwk-set+json, application/json' }, timeoutMs: this.settings.timeoutMs });
    if (r.status !== 200) throw new Error(`JWKS endpoint answered ${r.status}`);
    let doc: unknown;
    try {
      doc = JSON.parse(Buffer.from(r.body).toString('utf8'));
    } catch {
      throw new Error('JWKS response is not JSON');
    }
    const list = (doc as { keys?: unknown } | null)?.keys;
    if (!Array.isArray(list)) throw new Error('JWKS response has no "keys" array');
    const keys: VerifyKey[] = [];
    for (const jwk of list.slice(0, MAX_KEYS) as (JsonWebKey & { kid?: unknown; alg?: unknown; use?: unknown })[]) {
      // Symmetric keys are never taken from a URL, and encryption keys do not verify signatures.
      if (!jwk || typeof jwk !== 'object' || jwk.kty === 'oct' || (jwk.use !== undefined && jwk.use !== 'sig')) continue;
      try {
        keys.push({ kid: typeof jwk.kid === 'string' ? jwk.kid : undefined, alg: typeof jwk.alg === 'string' ? jwk.alg : undefined, key: importJwk(jwk), source: 'jwks' });
      } catch (err) {
        this.log.debug({ jwks: this.settings.url, kid: jwk.kid, err: (err as Error).message }, 'JWKS key skipped');
      }
    }
    return keys;
  }
}
