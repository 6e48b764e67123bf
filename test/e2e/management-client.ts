import { expect } from 'vitest';
import { call, type SimpleResponse } from '../../src/test-support/gateway.js';

/** A caller of the admin API: a bearer token, a console session (cookie + CSRF), or nobody. */
export class AdminClient {
  constructor(
    readonly base: string,
    readonly auth: { token?: string; cookie?: string; csrf?: string } = {},
  ) {}

  async req(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<SimpleResponse> {
    const h: Record<string, string> = { ...headers };
    if (this.auth.token) h['authorization'] = `Bearer ${this.auth.token}`;
    if (this.auth.cookie) h['cookie'] = this.auth.cookie;
    if (this.auth.csrf && method !== 'GET') h['x-csrf-token'] = this.auth.csrf;
    if (body !== undefined && h['content-type'] === undefined) h['content-type'] = 'application/json';
    return call(`${this.base}${path}`, { method, headers: h, ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}) });
  }

  get = (path: string, headers?: Record<string, string>) => this.req('GET', path, undefined, headers);
  post = (path: string, body?: unknown, headers?: Record<string, string>) => this.req('POST', path, body ?? {}, headers);
  put = (path: string, body?: unknown, headers?: Record<string, string>) => this.req('PUT', path, body ?? {}, headers);
  patch = (path: string, body?: unknown, headers?: Record<string, string>) => this.req('PATCH', path, body ?? {}, headers);
  del = (path: string, headers?: Record<string, string>) => this.req('DELETE', path, undefined, headers);

  /** Expects a status, returns the JSON body. */
  async ok<T = Record<string, unknown>>(p: Promise<SimpleResponse>, status = 200): Promise<T> {
    const r = await p;
    expect(r.status, r.text).toBe(status);
    return (r.text ? r.json<T>() : undefined) as T;
  }

  /** Logs in with a password: a client holding the session cookie and the CSRF token. */
  static async login(base: string, email: string, password: string): Promise<AdminClient> {
    const r = await call(`${base}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
    expect(r.status, r.text).toBe(200);
    const cookies = ([] as string[]).concat(r.headers['set-cookie'] ?? []);
    const cookie = cookies.map((c) => c.split(';')[0]).join('; ');
    return new AdminClient(base, { cookie, csrf: r.json<{ csrf_token: string }>().csrf_token });
  }

  /** Logs in, creates an API token, and returns a client using it. */
  static async withToken(base: string, email: string, password: string, o: { role?: string } = {}): Promise<AdminClient> {
    const s = await AdminClient.login(base, email, password);
    const t = await s.ok<{ token: string }>(s.post('/auth/tokens', { name: 'test', ...o }), 201);
    expect(t.token).toMatch(/^sluice_pat_/);
    return new AdminClient(base, { token: t.token });
  }
}

export const PASSWORD = 'correct horse battery staple';
