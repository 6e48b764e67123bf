import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importSPKI, jwtVerify } from 'jose';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toYaml } from '../../src/config/yaml.js';
import { fixtureJson, fixtureText } from '../../src/core/llm/test-support/fixtures.js';
import { call, startGateway, type TestGateway } from '../../src/test-support/gateway.js';
import { attemptsOf, consumer, traceOf } from '../../src/test-support/llm-mocks/helpers.js';
import { sseFrames } from '../../src/test-support/llm-mocks/server.js';

/**
 * Vertex AI with service-account keys: Sluice mints OAuth tokens (JWT bearer grant) at a mock of
 * Google's token endpoint and calls a mock Vertex AI that replays the recorded Gemini captures
 * (../shared/fixtures/llm/gemini; Vertex speaks the same wire format). The mock accepts only
 * tokens it minted and has not expired or revoked, as Google does.
 */
const KEY = 'sk-sluice-vertex-0123456789';
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Account {
  readonly email: string;
  readonly file: string;
}

interface SeenCall {
  readonly path: string;
  readonly bearer: string | undefined;
  readonly status: number;
}

/** Google's token endpoint and Vertex AI on one loopback server. */
class GoogleMock {
  url = '';
  /** expires_in (seconds) of the next tokens minted. */
  expiresIn = 3599;
  readonly minted: { token: string; email: string; expiresAt: number }[] = [];
  readonly revoked = new Set<string>();
  readonly seen: SeenCall[] = [];
  /** Token-endpoint answers: accounts whose grant fails with this status. */
  readonly failing = new Map<string, number>();
  /** Accounts that asked the token endpoint for a grant, in order. */
  readonly grants: string[] = [];
  lastClaims: Record<string, unknown> | undefined;
  private readonly keys = new Map<string, Awaited<ReturnType<typeof importSPKI>>>();
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => void this.handle(req, res, Buffer.concat(chunks).toString('utf8')).catch(() => res.destroy()));
  });

  async start(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Registers an account whose public key the token endpoint knows. */
  async register(email: string, publicKeyPem: string): Promise<void> {
    this.keys.set(email, await importSPKI(publicKeyPem, 'RS256'));
  }

  exchanges(email: string): number {
    return this.minted.filter((m) => m.email === email).length;
  }

  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
    const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
      res.end(typeof value === 'string' ? value : JSON.stringify(value));
    };
    const path = req.url ?? '/';
    if (req.method === 'POST' && path === '/token') return this.token(body, json);
    const m = /^\/v1\/projects\/acme-prod\/locations\/europe-west4\/publishers\/google\/models\/([^/:]+):(generateContent|streamGenerateContent\?alt=sse|predict)$/.exec(path);
    const auth = req.headers['authorization'];
    const bearer = typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice(7) : undefined;
    if (!m) {
      this.seen.push({ path, bearer, status: 404 });
      return json(404, { error: { code: 404, message: `mock: no Vertex AI method at ${path}`, status: 'NOT_FOUND' } });
    }
    const grant = this.minted.find((t) => t.token === bearer);
    if (!grant || this.revoked.has(grant.token) || Date.now() >= grant.expiresAt) {
      this.seen.push({ path, bearer, status: 401 });
      // Vertex AI's google.rpc error for a bad or expired access token.
      return json(401, {
        error: {
          code: 401,
          message: 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
          status: 'UNAUTHENTICATED',
          details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'ACCESS_TOKEN_EXPIRED', domain: 'googleapis.com' }],
        },
      });
    }
    this.seen.push({ path, bearer, status: 200 });
    if (m[2] === 'predict') {
      // The response shape of the Vertex AI text-embeddings reference (no capture exists for :predict).
      const instances = (JSON.parse(body) as { instances: { content: string }[] }).instances;
      return json(200, { predictions: instances.map((x, i) => ({ embeddings: { values: [0.25 * (i + 1), -0.5], statistics: { token_count: x.content.split(' ').length, truncated: false } } })) });
    }
    if (m[2] === 'generateContent') return json(200, fixtureText('gemini/generate-content-basic.response.json'));
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    for (const f of sseFrames(fixtureText('gemini/stream-sse-text.response.sse'))) res.write(f);
    res.end();
  }

  private async token(body: string, json: (status: number, value: unknown) => void): Promise<void> {
    const form = new URLSearchParams(body);
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return json(400, { error: 'unsupported_grant_type', error_description: 'Invalid grant_type' });
    const assertion = form.get('assertion') ?? '';
    const iss = JSON.parse(Buffer.from(assertion.split('.')[1] ?? '', 'base64url').toString('utf8') || '{}') as { iss?: string };
    const email = iss.iss ?? '';
    this.grants.push(email);
    const failing = this.failing.get(email);
    if (failing) return json(failing, failing >= 500 ? '<html><title>Service Unavailable</title></html>' : { error: 'invalid_grant', error_description: 'Invalid grant' });
    const key = this.keys.get(email);
    if (!key) return json(400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
    try {
      const { payload } = await jwtVerify(assertion, key, { issuer: email, subject: email, audience: `${this.url}/token`, algorithms: ['RS256'] });
      this.lastClaims = payload;
    } catch {
      return json(400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
    }
    const token = `ya29.mock-${this.minted.length + 1}`;
    this.minted.push({ token, email, expiresAt: Date.now() + this.expiresIn * 1000 });
    json(200, { access_token: token, expires_in: this.expiresIn, token_type: 'Bearer' });
  }
}

describe('AI gateway: Vertex AI with a service-account key', () => {
  const google = new GoogleMock();
  let dir: string;
  let gw: TestGateway;
  let client: OpenAI;
  let main: Account;
  let backup: Account;
  let deleted: Account;
  let outage: Account;
  let config: Record<string, unknown>;

  /** A service-account key file as the Cloud console downloads it. */
  async function account(name: string, known: boolean): Promise<Account> {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    const email = `${name}@acme-prod.iam.gserviceaccount.com`;
    if (known) await google.register(email, publicKey);
    const file = join(dir, `${name}.json`);
    const keyJson = {
      type: 'service_account',
      project_id: 'acme-prod',
      private_key_id: `kid-${name}`,
      private_key: privateKey,
      client_email: email,
      client_id: '1234567890',
      auth_uri: 'https://accounts.google.com/o/oauth2/auth',
      token_uri: `${google.url}/token`,
    };
    await writeFile(file, JSON.stringify(keyJson, null, 2) + '\n');
    return { email, file };
  }

  beforeAll(async () => {
    await google.start();
    dir = await mkdtemp(join(tmpdir(), 'sluice-vertex-'));
    [main, backup, deleted, outage] = await Promise.all([account('main', true), account('backup', true), account('deleted', false), account('outage', true)]);
    google.failing.set(outage.email, 503);
    const vertex = (id: string, keys: unknown[], extra: Record<string, unknown> = {}) => ({ id, type: 'vertex', base_url: `${google.url}/v1`, region: 'europe-west4', keys, ...extra });
    const once = { retries: { attempts: 0 } };
    config = {
      ai: {
        providers: [
          // No `project`: it comes from the key's project_id.
          vertex('gcp', [{ id: 'sa', secret: `file:${main.file}` }]),
          vertex('gcp-rotating', [
            { id: 'deleted', secret: `file:${deleted.file}`, priority: 0 },
            { id: 'backup', secret: `file:${backup.file}`, priority: 1 },
          ], { project: 'acme-prod' }),
          vertex('gcp-outage', [{ id: 'sa', secret: `file:${outage.file}` }], { project: 'acme-prod' }),
        ],
        models: [
          // No retries: renewing a refused token is not a retry.
          { name: 'flash', targets: [{ provider: 'gcp', model: 'gemini-2.5-flash' }], routing: once },
          { name: 'embed', type: 'embedding', targets: [{ provider: 'gcp', model: 'text-embedding-005' }] },
          { name: 'rotating', targets: [{ provider: 'gcp-rotating', model: 'gemini-2.5-flash' }] },
          { name: 'outage', targets: [{ provider: 'gcp-outage', model: 'gemini-2.5-flash' }], routing: once },
        ],
      },
      services: [{ id: 'llm', kind: 'ai' }],
      routes: [{ id: 'openai-api', service: 'llm', paths: ['/v1/chat/completions', '/v1/embeddings'], policies: [{ name: 'key-auth' }] }],
      consumers: [consumer('dev', KEY)],
    };
    gw = await startGateway(config);
    client = new OpenAI({ apiKey: KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await gw.close();
    await google.close();
    await rm(dir, { recursive: true, force: true });
  });

  const ask = () => client.chat.completions.create({ model: 'flash', messages: [{ role: 'user', content: 'Why is the sky blue?' }] }).withResponse();
  const callsSince = (n: number) => google.seen.slice(n).map((s) => [s.bearer, s.status]);

  it('mints a token from the key (signed JWT bearer grant) and sends it as the bearer; later requests reuse it', async () => {
    const expected = fixtureJson<{ candidates: { content: { parts: { text: string }[] } }[] }>('gemini/generate-content-basic.response.json');
    const { data, response } = await ask();
    expect(data.choices[0]!.message.content).toBe(expected.candidates[0]!.content.parts[0]!.text);
    expect(data.choices[0]!.finish_reason).toBe('length');
    expect(response.headers.get('x-sluice-provider')).toBe('gcp');
    expect(google.exchanges(main.email)).toBe(1);
    expect(google.lastClaims).toMatchObject({ scope: 'https://www.googleapis.com/auth/cloud-platform', iss: main.email });
    expect(callsSince(0)).toEqual([['ya29.mock-1', 200]]);

    const stream = await client.chat.completions.create({ model: 'flash', messages: [{ role: 'user', content: 'Capital of France?' }], stream: true, stream_options: { include_usage: true } });
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
    expect(text).toBe('The capital of France is Paris.\n');
    const e = await client.embeddings.create({ model: 'embed', input: ['a b', 'c'] });
    expect(e.data.map((d) => d.embedding)).toEqual([[0.25, -0.5], [0.5, -0.5]]);
    expect(e.usage.prompt_tokens).toBe(3);
    expect(google.seen.map((s) => [s.path.split(':')[1], s.bearer])).toEqual([
      ['generateContent', 'ya29.mock-1'],
      ['streamGenerateContent?alt=sse', 'ya29.mock-1'],
      ['predict', 'ya29.mock-1'],
    ]);
    expect(google.exchanges(main.email)).toBe(1);
  });

  it('a config reload keeps the minted token', async () => {
    await writeFile(join(gw.dataDir, 'sluice.yaml'), toYaml({ ...config, ai: { ...(config['ai'] as object), aliases: { fast: 'flash' } } }));
    expect((await gw.app.reload()).changed).toBe(true);
    const n = google.seen.length;
    const { response } = await client.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(response.status).toBe(200);
    expect(callsSince(n)).toEqual([['ya29.mock-1', 200]]);
    expect(google.exchanges(main.email)).toBe(1);
  });

  it('a token the upstream refuses (401) is renewed and the request retried with the new one; the key stays in', async () => {
    google.revoked.add('ya29.mock-1');
    google.expiresIn = 2; // for the expiry test that follows
    const n = google.seen.length;
    const { response } = await ask();
    expect(response.status).toBe(200);
    expect(callsSince(n)).toEqual([
      ['ya29.mock-1', 401],
      ['ya29.mock-2', 200],
    ]);
    expect(response.headers.get('x-sluice-attempts')).toBe('2');
    const t = await traceOf(gw.admin, response.headers.get('x-request-id'));
    expect(attemptsOf(t).map((a) => [a.outcome, a.data?.['status'], a.data?.['key']])).toEqual([
      ['error', 401, 'sa'],
      ['allow', undefined, 'sa'],
    ]);
    expect(t.entries.find((x) => x.code === 'ai.attempt_failed')?.detail).toMatch(/refused the access token \(401\); the next attempt uses a new one; moving on/);
    expect(t.entries.some((x) => x.code === 'ai.key_disabled')).toBe(false);
    const status = (await call(`${gw.admin}/ai/status`)).json<{ services: Record<string, { providers: { id: string; keys: { id: string; state: string }[] }[] }> }>();
    expect(status.services['llm']!.providers.find((p) => p.id === 'gcp')!.keys).toEqual([expect.objectContaining({ id: 'sa', state: 'ok' })]);
  });

  it('refreshes before expiry in the background, and waits for a new token once one expired', async () => {
    // ya29.mock-2 lives 2 s: after half of it, it is still served while the next one is minted.
    await wait(1200);
    google.expiresIn = 1;
    let n = google.seen.length;
    expect((await ask()).response.status).toBe(200);
    expect(callsSince(n)).toEqual([['ya29.mock-2', 200]]);
    for (let i = 0; i < 100 && google.exchanges(main.email) < 3; i++) await wait(10);
    expect(google.exchanges(main.email)).toBe(3);
    n = google.seen.length;
    await ask();
    expect(callsSince(n)).toEqual([['ya29.mock-3', 200]]);
    // ya29.mock-3 lives 1 s; once it expired, the request waits for ya29.mock-4 (never sends a stale token).
    google.expiresIn = 3599;
    await wait(1100);
    n = google.seen.length;
    const { response } = await ask();
    expect(callsSince(n)).toEqual([['ya29.mock-4', 200]]);
    expect(response.headers.get('x-sluice-attempts')).toBe('1');
  });

  it('a key whose grant the token endpoint refuses (400 invalid_grant) is disabled and reported; the next key serves', async () => {
    const n = google.seen.length;
    const { response } = await client.chat.completions.create({ model: 'rotating', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(response.status).toBe(200);
    const backupToken = google.minted.find((m) => m.email === backup.email)!.token;
    expect(callsSince(n)).toEqual([[backupToken, 200]]); // nothing reached Vertex AI without a token
    const t = await traceOf(gw.admin, response.headers.get('x-request-id'));
    const attempts = attemptsOf(t);
    expect(attempts.map((a) => [a.outcome, a.data?.['key'], a.data?.['status']])).toEqual([
      ['error', 'deleted', 401],
      ['allow', 'backup', undefined],
    ]);
    expect(attempts[0]!.data?.['message']).toBe(`the Google token endpoint refused service account ${deleted.email}: invalid_grant: Invalid JWT Signature.`);
    expect(t.entries.find((x) => x.code === 'ai.key_disabled')?.data).toEqual({ provider: 'gcp-rotating', key: 'deleted' });
    const again = await client.chat.completions.create({ model: 'rotating', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(attemptsOf(await traceOf(gw.admin, again.response.headers.get('x-request-id'))).map((a) => a.data?.['key'])).toEqual(['backup']);
    expect(google.grants.filter((g) => g === deleted.email)).toHaveLength(1); // not asked again
    const status = (await call(`${gw.admin}/ai/status`)).json<{ services: Record<string, { providers: { id: string; keys: { id: string; state: string }[] }[] }> }>();
    expect(status.services['llm']!.providers.find((p) => p.id === 'gcp-rotating')!.keys.map((k) => [k.id, k.state])).toEqual([
      ['deleted', 'disabled'],
      ['backup', 'ok'],
    ]);
    expect(google.exchanges(backup.email)).toBe(1);
  });

  it('a token endpoint outage is a 502 upstream failure, in the OpenAI error shape', async () => {
    const n = google.seen.length;
    const e = await client.chat.completions.create({ model: 'outage', messages: [{ role: 'user', content: 'hi' }] }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(OpenAI.InternalServerError);
    const err = e as InstanceType<typeof OpenAI.APIError>;
    expect([err.status, err.code]).toEqual([502, 'ai.upstream_failed']);
    expect(callsSince(n)).toEqual([]);
    const t = await traceOf(gw.admin, err.requestID);
    expect(attemptsOf(t)[0]!.data).toMatchObject({ key: 'sa', status: 502, message: `the Google token endpoint refused service account ${outage.email}: HTTP 503` });
    expect(t.entries.some((x) => x.code === 'ai.key_disabled')).toBe(false);
  });

  it('no token or key material in the admin status or traces', async () => {
    const { response } = await ask();
    const t = JSON.stringify(await traceOf(gw.admin, response.headers.get('x-request-id')));
    const status = (await call(`${gw.admin}/ai/status`)).text;
    for (const text of [t, status]) {
      expect(text).not.toMatch(/ya29\.|PRIVATE KEY/);
    }
  });
});
