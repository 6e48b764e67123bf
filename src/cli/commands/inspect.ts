import { readFile } from 'node:fs/promises';
import type { RequestTrace } from '../../core/trace.js';
import { ADMIN_OPTIONS, UsageError, adminTarget, parse } from '../args.js';
import { adminCall } from '../admin-client.js';
import { renderTrace } from './explain.js';

export async function explainCommand(argv: string[]): Promise<number> {
  const { values: v, positionals } = parse(argv, ADMIN_OPTIONS, true);
  const id = positionals[0];
  if (!id) throw new UsageError('usage: sluice explain REQUEST_ID [--admin URL] [--json]');
  const r = await adminCall(adminTarget(v), 'GET', `/traces/${encodeURIComponent(id)}`);
  process.stdout.write(v.json ? `${JSON.stringify(r.json, null, 2)}\n` : `${renderTrace(r.json as RequestTrace)}\n`);
  return 0;
}

export async function simulateCommand(argv: string[]): Promise<number> {
  const { values: v, positionals } = parse(
    argv,
    {
      ...ADMIN_OPTIONS,
      method: { type: 'string', short: 'X' },
      path: { type: 'string' },
      header: { type: 'string', short: 'H', multiple: true },
      ip: { type: 'string' },
      body: { type: 'string', short: 'd' },
    },
    true,
  );
  const path = v.path ?? positionals[0];
  if (!path) throw new UsageError('usage: sluice simulate [-X METHOD] PATH [-H "Name: value"]... [--ip ADDR] [-d BODY|@file] [--json]');
  const headers: Record<string, string> = {};
  for (const h of v.header ?? []) {
    const i = h.indexOf(':');
    if (i <= 0) throw new UsageError(`-H expects "Name: value" (got ${h})`);
    headers[h.slice(0, i).trim()] = h.slice(i + 1).trim();
  }
  const body = v.body?.startsWith('@') ? await readFile(v.body.slice(1), 'utf8') : v.body;
  const r = await adminCall(adminTarget(v), 'POST', '/simulate', { method: v.method ?? 'GET', path, headers, ip: v.ip, body });
  const result = r.json as { outcome: string; response: { status: number; headers: Record<string, string>; body: unknown } | null; upstream?: { service: string; path?: string; targets?: { url: string; healthy: boolean }[] }; trace: RequestTrace };
  if (v.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  }
  if (result.response) {
    process.stdout.write(`Would be ${result.outcome === 'answered' ? 'ANSWERED by the gateway' : 'DENIED'}: ${result.response.status}\n`);
    for (const [k, val] of Object.entries(result.response.headers)) process.stdout.write(`  ${k}: ${val}\n`);
    process.stdout.write(`  ${JSON.stringify(result.response.body)}\n\n`);
  } else {
    const targets = result.upstream?.targets?.map((t) => `${t.url}${t.healthy ? '' : ' (unhealthy)'}`).join(', ');
    process.stdout.write(`Would be FORWARDED to service ${result.upstream?.service ?? '?'}${result.upstream?.path ? ` as ${result.upstream.path}` : ''}${targets ? ` (targets: ${targets})` : ''}\n\n`);
  }
  process.stdout.write(`${renderTrace(result.trace)}\n`);
  return 0;
}
