import { request } from 'undici';

export interface AdminClientOptions {
  readonly url: string;
  readonly token?: string;
}

export class AdminRequestError extends Error {
  constructor(readonly status: number, readonly body: unknown) {
    super(describe(status, body));
  }
}

function describe(status: number, body: unknown): string {
  const p = body as { code?: string; detail?: string; errors?: { path: string; message: string }[] } | undefined;
  if (p?.code) {
    const lines = [`${status} ${p.code}: ${p.detail ?? ''}`];
    for (const e of p.errors ?? []) lines.push(`  ${e.path ? `${e.path}: ` : ''}${e.message}`);
    return lines.join('\n');
  }
  return `admin API answered ${status}`;
}

/** Talks to a running Sluice's admin API (default http://127.0.0.1:8081). */
export async function adminCall(
  o: AdminClientOptions,
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
  accept = 'application/json',
  extra: Record<string, string> = {},
): Promise<{ status: number; json: unknown; text: string; headers: Record<string, string | string[] | undefined> }> {
  let res;
  try {
    res = await request(new URL(path, o.url), {
      method,
      headers: {
        accept,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
        ...extra,
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
      headersTimeout: 10_000,
      bodyTimeout: 30_000,
    });
  } catch (err) {
    throw new Error(`cannot reach the admin API at ${o.url} (${(err as { code?: string }).code ?? (err as Error).message}); is Sluice running? (--admin URL)`);
  }
  const text = await res.body.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (res.statusCode >= 400) throw new AdminRequestError(res.statusCode, json);
  return { status: res.statusCode, json, text, headers: res.headers };
}
