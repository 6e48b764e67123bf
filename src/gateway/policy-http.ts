import { request } from 'undici';
import type { PolicyHttpClient } from '../core/policy.js';

/** The HTTP client policies use for side calls (JWKS, introspection): bounded time and size. */
export const policyHttpClient: PolicyHttpClient = {
  async request(url, init) {
    const timeout = init.timeoutMs ?? 5_000;
    const r = await request(url, {
      method: (init.method ?? 'GET') as 'GET',
      headers: init.headers,
      body: init.body,
      headersTimeout: timeout,
      bodyTimeout: timeout,
      signal: AbortSignal.timeout(timeout),
    });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of r.body) {
      const b = c as Buffer;
      size += b.length;
      if (size > 1024 * 1024) {
        r.body.destroy();
        throw new Error(`response from ${new URL(url).origin} exceeds 1 MiB`);
      }
      chunks.push(b);
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(r.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    return { status: r.statusCode, headers, body: Buffer.concat(chunks) };
  },
};
