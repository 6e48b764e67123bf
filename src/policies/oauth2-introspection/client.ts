import { hash } from 'node:crypto';
import type { PolicyHttpClient } from '../../core/policy.js';
import { BoundedCache } from '../_auth/lru.js';

/** What Sluice keeps of one introspection answer: never the token, only what decisions need. */
export interface Introspected {
  readonly active: boolean;
  /** Value of the consumer claim, when present (strings and numbers). */
  readonly subject: string | undefined;
  readonly scopes: readonly string[];
  /** `exp` in ms since the epoch, when given. */
  readonly expiresAt: number | undefined;
  /** `nbf` in ms since the epoch, when given. */
  readonly notBefore: number | undefined;
  /** Why the answer counts as inactive (`active: false`, expired, not yet valid), for the trace. */
  readonly inactiveReason?: string;
  /** `iss`, `token_type`, `client_id` of the answer, for the trace (not secrets). */
  readonly facts: Readonly<Record<string, string>>;
}

export interface IntrospectionSettings {
  readonly endpoint: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Form fields sent with every call besides `token` (hint, client credentials for `post`). */
  readonly form: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly ttlMs: number;
  readonly negativeTtlMs: number;
  readonly consumerClaim: string;
  readonly scopesClaim: string;
}

export function scopesFrom(v: unknown): string[] {
  if (typeof v === 'string') return v.split(' ').filter((s) => s.length > 0);
  if (Array.isArray(v)) return v.filter((s): s is string => typeof s === 'string' && s.length > 0);
  return [];
}

const seconds = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v * 1000 : undefined);
const FACTS = ['iss', 'token_type', 'client_id'] as const;

/** Reads an RFC 7662 answer; throws when it is not one (the endpoint is then treated as unavailable). */
export function parseIntrospection(status: number, body: Uint8Array, s: IntrospectionSettings, now: number): Introspected {
  if (status !== 200) throw new Error(`introspection endpoint answered ${status}`);
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch {
    throw new Error('introspection response is not JSON');
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new Error('introspection response is not a JSON object');
  const d = doc as Record<string, unknown>;
  if (typeof d['active'] !== 'boolean') throw new Error('introspection response has no boolean "active"');
  const facts: Record<string, string> = {};
  for (const k of FACTS) if (typeof d[k] === 'string') facts[k] = (d[k]).slice(0, 200);
  const subject = typeof d[s.consumerClaim] === 'string' || typeof d[s.consumerClaim] === 'number' ? String(d[s.consumerClaim]) : undefined;
  const expiresAt = seconds(d['exp']);
  const notBefore = seconds(d['nbf']);
  let inactiveReason: string | undefined;
  if (!d['active']) inactiveReason = 'the authorization server says the token is not active';
  else if (expiresAt !== undefined && expiresAt <= now) inactiveReason = 'the token has expired';
  else if (notBefore !== undefined && notBefore > now) inactiveReason = 'the token is not valid yet';
  return { active: inactiveReason === undefined, subject, scopes: Object.freeze(scopesFrom(d[s.scopesClaim])), expiresAt, notBefore, ...(inactiveReason ? { inactiveReason } : {}), facts };
}

/** Cache key of a token: never the token itself. */
export function tokenKey(token: string): string {
  return hash('sha256', token, 'base64url');
}

/**
 * Introspection results of one endpoint and client, kept in the policy's persistent state so a
 * config reload keeps them. Bounded (LRU with TTL), single-flight per token, TTL never beyond `exp`.
 */
export class IntrospectionCache {
  private readonly entries: BoundedCache<Introspected>;
  private readonly inflight = new Map<string, Promise<Introspected>>();
  calls = 0;

  constructor(
    private settings: IntrospectionSettings,
    max: number,
    private readonly http: PolicyHttpClient,
  ) {
    this.entries = new BoundedCache(max);
  }

  configure(settings: IntrospectionSettings, max: number): void {
    this.settings = settings;
    this.entries.resize(max);
  }

  get size(): number {
    return this.entries.size;
  }

  /** A live cached result (an active one whose `exp` passed meanwhile reads as expired). */
  cached(key: string, now: number): Introspected | undefined {
    const hit = this.entries.get(key, now);
    if (!hit) return undefined;
    if (hit.active && hit.expiresAt !== undefined && hit.expiresAt <= now) return { ...hit, active: false, inactiveReason: 'the token has expired' };
    return hit;
  }

  /** Asks the endpoint (one call per token at a time). With `store: false` (the simulator) nothing is cached or shared. */
  introspect(token: string, key: string, store: boolean): Promise<Introspected> {
    if (!store) return this.call(token);
    let p = this.inflight.get(key);
    if (!p) {
      p = this.call(token).then(
        (r) => {
          this.remember(key, r);
          return r;
        },
      ).finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    return p;
  }

  private remember(key: string, r: Introspected): void {
    const now = Date.now();
    const ttl = r.active ? this.settings.ttlMs : this.settings.negativeTtlMs;
    let until = now + ttl;
    if (r.active && r.expiresAt !== undefined) until = Math.min(until, r.expiresAt);
    if (ttl > 0 && until > now) this.entries.set(key, r, until, now);
  }

  private async call(token: string): Promise<Introspected> {
    this.calls++;
    const s = this.settings;
    const form = new URLSearchParams({ token, ...s.form });
    const r = await this.http.request(s.endpoint, {
      method: 'POST',
      headers: { ...s.headers, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
      timeoutMs: s.timeoutMs,
    });
    return parseIntrospection(r.status, r.body, s, Date.now());
  }
}
