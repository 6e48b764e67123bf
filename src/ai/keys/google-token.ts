import { createHash, createPrivateKey } from 'node:crypto';
import { importPKCS8, SignJWT } from 'jose';

/**
 * OAuth access tokens for Vertex AI from a Google service-account key (the JSON file the Cloud
 * console downloads): a JWT bearer grant (RFC 7523) signed RS256 with `jose`, exchanged at the
 * key's `token_uri`, cached until shortly before it expires. Messages never carry key material.
 */

export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
const DEFAULT_TOKEN_URI = 'https://oauth2.googleapis.com/token';
const GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

export interface ServiceAccountKey {
  readonly clientEmail: string;
  readonly privateKey: string;
  readonly privateKeyId?: string;
  readonly tokenUri: string;
  readonly projectId?: string;
}

export class GoogleTokenError extends Error {
  constructor(
    message: string,
    /** HTTP status of the token endpoint, when it answered. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'GoogleTokenError';
  }
}

/** True when a provider secret is a service-account key rather than an access token. */
export function isServiceAccountKey(secret: string): boolean {
  const t = secret.trimStart();
  return t.startsWith('{') && t.includes('"service_account"');
}

/** Reads a service-account key file, naming the field that is wrong. */
export function parseServiceAccountKey(text: string): ServiceAccountKey {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    throw new GoogleTokenError('the Google service-account key is not valid JSON');
  }
  if (typeof j !== 'object' || j === null || Array.isArray(j)) throw new GoogleTokenError('the Google service-account key is not a JSON object');
  const o = j as Record<string, unknown>;
  const field = (name: string, required: boolean): string | undefined => {
    const v = o[name];
    if (typeof v === 'string' && v.length > 0) return v;
    if (required) throw new GoogleTokenError(`the Google service-account key has no "${name}"`);
    return undefined;
  };
  if (o.type !== 'service_account') throw new GoogleTokenError(`the Google key has "type": ${JSON.stringify(o.type ?? null)}; a service-account key ("service_account") is needed`);
  const privateKey = field('private_key', true)!;
  if (!privateKey.includes('PRIVATE KEY')) throw new GoogleTokenError('the Google service-account key\'s "private_key" is not a PEM private key');
  // Read once here (config load), so a damaged key is a config error rather than a failure at the first request.
  try {
    if (createPrivateKey(privateKey).asymmetricKeyType !== 'rsa') throw new Error('not RSA');
  } catch {
    throw new GoogleTokenError('the Google service-account key\'s "private_key" cannot be read as an RSA private key');
  }
  const key: { -readonly [K in keyof ServiceAccountKey]: ServiceAccountKey[K] } = {
    clientEmail: field('client_email', true)!,
    privateKey,
    tokenUri: field('token_uri', false) ?? DEFAULT_TOKEN_URI,
  };
  const kid = field('private_key_id', false);
  if (kid) key.privateKeyId = kid;
  const project = field('project_id', false);
  if (project) key.projectId = project;
  return key;
}

export interface GoogleTokenOptions {
  readonly scope?: string;
  /** Refresh this long before expiry (default 5 minutes; at most half the token's lifetime). */
  readonly refreshMarginMs?: number;
  /** After a failed background refresh, wait this long before trying again (default 10 s). */
  readonly retryMs?: number;
  /** One token exchange may take this long (default 10 s). */
  readonly timeoutMs?: number;
  readonly now?: () => number;
  readonly fetch?: typeof fetch;
}

interface Cached {
  readonly token: string;
  readonly expiresAt: number;
  /** From here on the token is still served, but a new one is fetched in the background. */
  readonly refreshAt: number;
}

/** A bearer credential minted on demand and cached (Vertex AI service accounts). */
export interface TokenSource {
  /** The current token; waits for the token endpoint only when none is valid (first use, expiry, invalidation). */
  token(): Promise<string>;
  /** Forget the cached token because the upstream refused it (only if it is still `rejected`, when given). */
  invalidate(rejected?: string): void;
}

/**
 * Access tokens of one service account. `token()` answers from the cache; within `refreshMarginMs`
 * of expiry it still answers from the cache and refreshes in the background, so requests wait for
 * the token endpoint only when no valid token exists. Concurrent callers share one exchange; a
 * failed refresh keeps serving a token that has not expired yet.
 */
export class GoogleTokenSource implements TokenSource {
  private cached: Cached | undefined;
  private inflight: Promise<Cached> | undefined;
  private signingKey: ReturnType<typeof importPKCS8> | undefined;
  /** No background refresh before this time (one just failed). */
  private quietUntil = 0;
  private readonly scope: string;
  private readonly margin: number;
  private readonly retryMs: number;
  private readonly timeoutMs: number;
  private readonly now: () => number;
  private readonly fetchFn: typeof fetch;

  constructor(
    readonly key: ServiceAccountKey,
    opts: GoogleTokenOptions = {},
  ) {
    this.scope = opts.scope ?? CLOUD_PLATFORM_SCOPE;
    this.margin = opts.refreshMarginMs ?? 5 * 60_000;
    this.retryMs = opts.retryMs ?? 10_000;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.now = opts.now ?? Date.now;
    this.fetchFn = opts.fetch ?? fetch;
  }

  async token(): Promise<string> {
    const now = this.now();
    const c = this.cached;
    if (c && now < c.expiresAt) {
      if (now >= c.refreshAt && now >= this.quietUntil) {
        this.refresh().catch(() => {
          this.quietUntil = this.now() + this.retryMs;
        });
      }
      return c.token;
    }
    return (await this.refresh()).token;
  }

  invalidate(rejected?: string): void {
    if (rejected === undefined || this.cached?.token === rejected) this.cached = undefined;
  }

  private refresh(): Promise<Cached> {
    this.inflight ??= this.exchange().then(
      (c) => {
        this.cached = c;
        this.inflight = undefined;
        return c;
      },
      (err: unknown) => {
        this.inflight = undefined;
        throw err;
      },
    );
    return this.inflight;
  }

  private async exchange(): Promise<Cached> {
    const started = this.now();
    const assertion = await this.assertion(Math.floor(started / 1000));
    let res: Response;
    try {
      res = await this.fetchFn(this.key.tokenUri, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ grant_type: GRANT_TYPE, assertion }).toString(),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new GoogleTokenError(`could not reach the Google token endpoint ${this.key.tokenUri}: ${err instanceof Error ? err.message : String(err)}`);
    }
    const text = await res.text();
    let j: Record<string, unknown> = {};
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'object' && parsed !== null) j = parsed as Record<string, unknown>;
    } catch {
      // Reported below with the status.
    }
    if (!res.ok) {
      const why = [j.error, j.error_description].filter((x) => typeof x === 'string').join(': ') || `HTTP ${res.status}`;
      throw new GoogleTokenError(`the Google token endpoint refused service account ${this.key.clientEmail}: ${why}`, res.status);
    }
    const token = j.access_token;
    const expiresIn = j.expires_in;
    if (typeof token !== 'string' || token.length === 0) throw new GoogleTokenError('the Google token endpoint answered without an access_token', res.status);
    const lifetime = (typeof expiresIn === 'number' && expiresIn > 0 ? expiresIn : 3600) * 1000;
    // Counted from before the exchange, so a slow answer never makes the token look fresher than it is.
    return { token, expiresAt: started + lifetime, refreshAt: started + lifetime - Math.min(this.margin, lifetime / 2) };
  }

  private async assertion(iat: number): Promise<string> {
    this.signingKey ??= importPKCS8(this.key.privateKey, 'RS256').catch((err: unknown) => {
      this.signingKey = undefined;
      throw new GoogleTokenError(`the Google service-account private key cannot be read: ${err instanceof Error ? err.name : 'invalid key'}`);
    });
    const key = await this.signingKey;
    return new SignJWT({ scope: this.scope })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', ...(this.key.privateKeyId ? { kid: this.key.privateKeyId } : {}) })
      .setIssuer(this.key.clientEmail)
      .setSubject(this.key.clientEmail)
      .setAudience(this.key.tokenUri)
      .setIssuedAt(iat)
      .setExpirationTime(iat + 3600)
      .sign(key);
  }
}

/**
 * One token source per service account, kept across config versions (a reload does not fetch new
 * tokens). Keyed by a digest of the key, never by the key itself.
 */
export class GoogleTokenSources {
  /** By hash of the key file; `seen` is the last compile (generation) that used it. */
  private readonly byKey = new Map<string, { readonly source: GoogleTokenSource; seen: number }>();
  private generation = 0;

  constructor(private readonly opts: GoogleTokenOptions = {}) {}

  /** The source for a service-account key file's text; throws GoogleTokenError when it is not one. */
  get(keyText: string): GoogleTokenSource {
    const id = createHash('sha256').update(keyText).digest('hex');
    let e = this.byKey.get(id);
    if (!e) {
      e = { source: new GoogleTokenSource(parseServiceAccountKey(keyText), this.opts), seen: this.generation };
      this.byKey.set(id, e);
    }
    e.seen = this.generation;
    return e.source;
  }

  /**
   * A config is about to be compiled: drops the sources the previous compile did not use, so the
   * private key of a rotated or removed key is not kept for the life of the process. A snapshot
   * still serving holds its own sources; a dropped one that comes back starts with a fresh token.
   */
  sweep(): void {
    for (const [id, e] of this.byKey) if (e.seen < this.generation) this.byKey.delete(id);
    this.generation++;
  }

  /** Sources held (for tests and status). */
  get size(): number {
    return this.byKey.size;
  }
}
