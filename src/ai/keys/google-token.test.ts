import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { importSPKI, jwtVerify } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CLOUD_PLATFORM_SCOPE, GoogleTokenError, GoogleTokenSource, GoogleTokenSources, isServiceAccountKey, parseServiceAccountKey } from './google-token.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});

/** A mock of Google's token endpoint: verifies the JWT bearer assertion like Google does, then mints a token. */
interface Mock {
  server: Server;
  url: string;
  issued: number;
  /** The next answer, when a test wants a failure. */
  fail?: { status: number; body: string };
  delayMs: number;
  /** expires_in of the tokens minted. */
  expiresIn: number;
  /** Failures answered (mock.fail). */
  failed: number;
  lastClaims?: Record<string, unknown>;
  lastKid?: string;
}
const mock: Mock = { server: createServer(), url: '', issued: 0, delayMs: 0, expiresIn: 3599, failed: 0 };

const read = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let s = '';
    req.on('data', (c: Buffer) => (s += c.toString()));
    req.on('end', () => resolve(s));
  });

beforeAll(async () => {
  const spki = await importSPKI(publicKey, 'RS256');
  mock.server.on('request', (req, res) => {
    void (async () => {
      const form = new URLSearchParams(await read(req));
      if (mock.delayMs) await new Promise((r) => setTimeout(r, mock.delayMs));
      const answer = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(typeof body === 'string' ? body : JSON.stringify(body));
      };
      if (mock.fail) {
        mock.failed++;
        return answer(mock.fail.status, mock.fail.body);
      }
      if (req.headers['content-type'] !== 'application/x-www-form-urlencoded' || form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
        return answer(400, { error: 'unsupported_grant_type', error_description: 'Invalid grant_type' });
      }
      try {
        const { payload, protectedHeader } = await jwtVerify(form.get('assertion') ?? '', spki, { issuer: 'sluice@acme.iam.gserviceaccount.com', audience: mock.url, algorithms: ['RS256'] });
        mock.lastClaims = payload;
        mock.lastKid = protectedHeader.kid;
      } catch {
        return answer(400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
      }
      mock.issued++;
      answer(200, { access_token: `ya29.token-${mock.issued}`, expires_in: mock.expiresIn, token_type: 'Bearer' });
    })();
  });
  await new Promise<void>((r) => mock.server.listen(0, '127.0.0.1', r));
  mock.url = `http://127.0.0.1:${(mock.server.address() as AddressInfo).port}/token`;
});
afterAll(() => new Promise<void>((r) => mock.server.close(() => r())));
beforeEach(() => {
  mock.issued = 0;
  mock.fail = undefined;
  mock.delayMs = 0;
  mock.expiresIn = 3599;
  mock.failed = 0;
});

/** Polls `f` until it yields `want` (a background refresh lands a moment later). */
async function eventually(f: () => Promise<string>, want: string): Promise<string> {
  let v = await f();
  for (let i = 0; i < 100 && v !== want; i++) {
    await new Promise((r) => setTimeout(r, 10));
    v = await f();
  }
  return v;
}

const keyFile = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    type: 'service_account',
    project_id: 'acme-prod',
    private_key_id: 'kid-123',
    private_key: privateKey,
    client_email: 'sluice@acme.iam.gserviceaccount.com',
    token_uri: mock.url,
    ...over,
  });

/** A test clock near the real time (the mock endpoint checks the assertion's iat/exp like Google). */
function clock(start = Math.floor(Date.now() / 1000) * 1000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('google service-account tokens', () => {
  it('exchanges a signed JWT bearer assertion for an access token, and caches it', async () => {
    const c = clock();
    const src = new GoogleTokenSource(parseServiceAccountKey(keyFile()), { now: c.now });
    expect(await src.token()).toBe('ya29.token-1');
    expect(mock.lastKid).toBe('kid-123');
    const iat = c.now() / 1000;
    expect(mock.lastClaims).toMatchObject({ scope: CLOUD_PLATFORM_SCOPE, sub: 'sluice@acme.iam.gserviceaccount.com', iat, exp: iat + 3600 });
    c.advance(30 * 60_000);
    expect(await src.token()).toBe('ya29.token-1');
    expect(mock.issued).toBe(1);
  });

  it('refreshes in the background shortly before expiry, at once after expiry or invalidate()', async () => {
    const c = clock();
    const src = new GoogleTokenSource(parseServiceAccountKey(keyFile()), { now: c.now, refreshMarginMs: 60_000 });
    await src.token();
    c.advance(3599_000 - 60_000 - 1);
    expect(await src.token()).toBe('ya29.token-1');
    expect(mock.issued).toBe(1);
    c.advance(2);
    // Inside the margin the cached token is still served (no request waits) while a new one is fetched.
    expect(await src.token()).toBe('ya29.token-1');
    expect(await eventually(() => src.token(), 'ya29.token-2')).toBe('ya29.token-2');
    expect(mock.issued).toBe(2);
    src.invalidate('ya29.token-1'); // an older token: the current one stays
    expect(await src.token()).toBe('ya29.token-2');
    src.invalidate('ya29.token-2');
    expect(await src.token()).toBe('ya29.token-3');
    c.advance(3600_000);
    expect(await src.token()).toBe('ya29.token-4'); // expired: waits for the new one
  });

  it('the margin is at most half of a short token lifetime', async () => {
    mock.expiresIn = 60;
    const c = clock();
    const src = new GoogleTokenSource(parseServiceAccountKey(keyFile()), { now: c.now });
    await src.token();
    c.advance(29_000);
    expect(await src.token()).toBe('ya29.token-1');
    expect(mock.issued).toBe(1);
    c.advance(1_001);
    await src.token();
    expect(await eventually(() => src.token(), 'ya29.token-2')).toBe('ya29.token-2');
  });

  it('after a failed background refresh, tries again only after retryMs', async () => {
    const c = clock();
    const src = new GoogleTokenSource(parseServiceAccountKey(keyFile()), { now: c.now, refreshMarginMs: 60_000, retryMs: 5_000 });
    await src.token();
    c.advance(3599_000 - 30_000);
    mock.fail = { status: 503, body: 'unavailable' };
    expect(await src.token()).toBe('ya29.token-1');
    await eventually(() => Promise.resolve(String(mock.failed)), '1');
    await new Promise((r) => setTimeout(r, 20));
    for (let i = 0; i < 5; i++) expect(await src.token()).toBe('ya29.token-1');
    await new Promise((r) => setTimeout(r, 50));
    expect(mock.failed).toBe(1);
    mock.fail = undefined;
    c.advance(5_001);
    await src.token();
    expect(await eventually(() => src.token(), 'ya29.token-2')).toBe('ya29.token-2');
  });

  it('shares one exchange between concurrent callers', async () => {
    mock.delayMs = 30;
    const src = new GoogleTokenSource(parseServiceAccountKey(keyFile()));
    const tokens = await Promise.all([src.token(), src.token(), src.token()]);
    expect(tokens).toEqual(['ya29.token-1', 'ya29.token-1', 'ya29.token-1']);
    expect(mock.issued).toBe(1);
  });

  it('reports a refused grant without key material, and retries on the next call', async () => {
    mock.fail = { status: 400, body: JSON.stringify({ error: 'invalid_grant', error_description: 'Invalid JWT Signature.' }) };
    const src = new GoogleTokenSource(parseServiceAccountKey(keyFile()));
    const err = await src.token().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GoogleTokenError);
    expect((err as GoogleTokenError).status).toBe(400);
    expect((err as Error).message).toBe('the Google token endpoint refused service account sluice@acme.iam.gserviceaccount.com: invalid_grant: Invalid JWT Signature.');
    expect((err as Error).message).not.toContain('PRIVATE KEY');
    mock.fail = undefined;
    expect(await src.token()).toBe('ya29.token-1');
  });

  it('a key the endpoint cannot verify is refused by it (signed with another private key)', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    const src = new GoogleTokenSource(parseServiceAccountKey(keyFile({ private_key: other.privateKey })));
    await expect(src.token()).rejects.toThrow(/invalid_grant/);
  });

  it('keeps serving an unexpired token when a refresh fails, and fails once it expired', async () => {
    const c = clock();
    const src = new GoogleTokenSource(parseServiceAccountKey(keyFile()), { now: c.now });
    await src.token();
    c.advance(3599_000 - 60_000);
    mock.fail = { status: 503, body: '<html>unavailable</html>' };
    expect(await src.token()).toBe('ya29.token-1');
    c.advance(60_000);
    await expect(src.token()).rejects.toThrow('the Google token endpoint refused service account sluice@acme.iam.gserviceaccount.com: HTTP 503');
  });

  it('says when the endpoint cannot be reached', async () => {
    const src = new GoogleTokenSource(parseServiceAccountKey(keyFile({ token_uri: 'http://127.0.0.1:1/token' })), { timeoutMs: 2000 });
    await expect(src.token()).rejects.toThrow(/could not reach the Google token endpoint http:\/\/127\.0\.0\.1:1\/token/);
  });

  it('reads key files, naming what is wrong', () => {
    expect(isServiceAccountKey(keyFile())).toBe(true);
    expect(isServiceAccountKey('ya29.a0AfH6SM')).toBe(false);
    expect(parseServiceAccountKey(keyFile({ token_uri: undefined }))).toMatchObject({ tokenUri: 'https://oauth2.googleapis.com/token', projectId: 'acme-prod', privateKeyId: 'kid-123' });
    expect(() => parseServiceAccountKey('{nope')).toThrow('the Google service-account key is not valid JSON');
    expect(() => parseServiceAccountKey(keyFile({ type: 'authorized_user' }))).toThrow('the Google key has "type": "authorized_user"; a service-account key ("service_account") is needed');
    expect(() => parseServiceAccountKey(keyFile({ client_email: '' }))).toThrow('the Google service-account key has no "client_email"');
    expect(() => parseServiceAccountKey(keyFile({ private_key: 'secret-not-pem' }))).toThrow(/"private_key" is not a PEM private key/);
    const damaged = keyFile({ private_key: privateKey.replace(/\n[A-Za-z0-9+/]{10}/, '\n') });
    expect(() => parseServiceAccountKey(damaged)).toThrow('the Google service-account key\'s "private_key" cannot be read as an RSA private key');
  });

  it('keeps one source per key across lookups (config reloads keep their tokens)', async () => {
    const sources = new GoogleTokenSources();
    const a = sources.get(keyFile());
    expect(sources.get(keyFile())).toBe(a);
    expect(sources.get(keyFile({ private_key_id: 'kid-456' }))).not.toBe(a);
    expect(await a.token()).toBe('ya29.token-1');
  });

  it('forgets a key that a compile no longer uses (a rotated private key is not kept), keeps those it does', () => {
    const sources = new GoogleTokenSources();
    const old = sources.get(keyFile());
    sources.sweep(); // compile 2 uses the same key: kept, same source (same cached token)
    expect(sources.get(keyFile())).toBe(old);
    sources.sweep(); // compile 3: the key was rotated
    const rotated = sources.get(keyFile({ private_key_id: 'kid-rotated' }));
    expect(sources.size).toBe(2); // the old one may still serve requests of compile 2's snapshot
    sources.sweep(); // compile 4: compile 3 did not use the old key
    expect(sources.size).toBe(1);
    expect(sources.get(keyFile({ private_key_id: 'kid-rotated' }))).toBe(rotated);
    expect(sources.get(keyFile())).not.toBe(old);
  });
});
