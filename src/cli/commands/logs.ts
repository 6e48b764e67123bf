import { parseDuration } from '../../core/duration.js';
import type { CallLog } from '../../telemetry/record.js';
import { ADMIN_OPTIONS, UsageError, adminTarget, parse } from '../args.js';
import { adminCall, type AdminClientOptions } from '../admin-client.js';
import { table } from '../table.js';
import { renderTrace } from './explain.js';

const USAGE = `usage: sluice logs [REQUEST_ID] [--from 1h] [--to TIME] [--status 4xx] [--code CODE] [--denied]
                  [--team T] [--api A] [--service S] [--route R] [--consumer C] [--provider P] [--model M]
                  [--request-id ID] [-q TEXT] [--limit 50] [-f|--follow] [--interval 1s] [--json] [--admin URL]`;

/** CLI flag → `GET /logs` query parameter (the same filters as the admin API). */
const FILTERS = {
  from: 'from', to: 'to', status: 'status', code: 'code', team: 'team', api: 'api', service: 'service', route: 'route',
  consumer: 'consumer', provider: 'provider', model: 'model', 'request-id': 'request_id', q: 'q', limit: 'limit',
} as const;

const OPTIONS = {
  ...ADMIN_OPTIONS,
  ...(Object.fromEntries(Object.keys(FILTERS).map((k) => [k, { type: 'string' }])) as Record<keyof typeof FILTERS, { type: 'string' }>),
  q: { type: 'string', short: 'q' },
  denied: { type: 'boolean' },
  follow: { type: 'boolean', short: 'f' },
  interval: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Page = { items: CallLog[]; next?: string; tail?: string };

const ms = (v: number | null | undefined): string => (v === null || v === undefined ? '' : v.toFixed(1));

function row(r: CallLog): string[] {
  return [r.time.slice(0, 23).replace('T', ' '), String(r.status), r.method, r.path, r.route ?? '', r.consumer ?? '', r.code ?? '', ms(r.timings.total_ms), r.request_id];
}

const HEADER = ['time (UTC)', 'status', 'method', 'path', 'route', 'consumer', 'code', 'ms', 'request id'];
const WIDTHS = [23, 6, 7, 60, 24, 24, 32, 9, 40];

/** One record in full: what happened, the timings, AI usage, bodies, then the decision trace. */
export function renderLog(r: CallLog): string {
  const out: string[] = [];
  const t = r.timings;
  out.push(`${r.method} ${r.path} → ${r.status}${r.code ? ` ${r.code}` : ''} (answered by ${r.answered_by}${r.decided_by ? `, decided by ${r.decided_by}` : ''})`);
  const owner = [r.team && `team ${r.team}`, r.api && `api ${r.api}`, r.consumer && `consumer ${r.consumer}`, r.credential && `credential ${r.credential}`].filter(Boolean).join('  ');
  if (owner) out.push(`  ${owner}`);
  out.push(`  total ${ms(t.total_ms)} ms  gateway ${ms(t.gateway_ms) || '-'} ms  upstream ${ms(t.upstream_ms) || '-'} ms (connect ${ms(t.upstream_connect_ms) || '-'}, first byte ${ms(t.upstream_first_byte_ms) || '-'})  bytes in ${r.bytes_in ?? '-'} out ${r.bytes_out ?? '-'}`);
  if (r.upstream) out.push(`  upstream ${r.upstream.target ?? '?'}  attempts ${r.upstream.attempts ?? '?'}`);
  if (r.ai) out.push(`  ai ${r.ai.provider ?? '?'} ${r.ai.model ?? '?'}  attempts ${r.ai.attempts ?? '?'}  tokens in ${r.ai.tokens.input} out ${r.ai.tokens.output} cached ${r.ai.tokens.cached} reasoning ${r.ai.tokens.reasoning}${r.ai.cost !== null ? `  cost $${r.ai.cost.toFixed(6)}` : ''}`);
  if (r.trace_id) out.push(`  trace id ${r.trace_id}`);
  if (r.bodies?.request) out.push(`  request body: ${r.bodies.request}`);
  if (r.bodies?.response) out.push(`  response body: ${r.bodies.response}`);
  if (r.trace) out.push('', renderTrace({ ...r.trace, time: r.time }));
  return out.join('\n');
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** `sluice logs`: query call logs, show one in full, or follow new ones (`-f`). */
export async function logsCommand(argv: string[]): Promise<number> {
  const write = (s: string): void => void process.stdout.write(s);
  const { values: v, positionals } = parse(argv, OPTIONS, true);
  if (v.help) {
    write(`${USAGE}\n\nFilters are those of GET /logs (docs/observability.md). Times: ISO 8601, epoch ms, or a duration ago (15m, 24h, 7d).\n--json prints one JSON record per line; -f keeps printing new records (polling every --interval).\n`);
    return 0;
  }
  const target: AdminClientOptions = adminTarget(v);
  if (positionals.length > 1) throw new UsageError(USAGE);
  const id = positionals[0];
  if (id !== undefined) {
    if (v.follow) throw new UsageError('--follow lists new records; it does not take a REQUEST_ID');
    const r = await adminCall(target, 'GET', `/logs/${encodeURIComponent(id)}`);
    write(v.json ? `${JSON.stringify(r.json, null, 2)}\n` : `${renderLog(r.json as CallLog)}\n`);
    return 0;
  }
  const interval = v.interval !== undefined ? parseDuration(v.interval) : 1000;
  if (interval === undefined || interval < 50) throw new UsageError(`--interval must be a duration of at least 50ms, e.g. 500ms or 2s (got ${v.interval ?? ''})`);
  const query = new URLSearchParams();
  for (const [flag, param] of Object.entries(FILTERS)) {
    const value = v[flag as keyof typeof FILTERS];
    if (value !== undefined) query.set(param, value);
  }
  if (v.denied) query.set('denied', 'true');
  const first = (await adminCall(target, 'GET', `/logs?${query.toString()}`)).json as Page;
  // Oldest first, as a log reads; with --follow new records then come below.
  const items = [...first.items].reverse();
  if (v.json) for (const r of items) write(`${JSON.stringify(r)}\n`);
  else if (items.length > 0 || !v.follow) write(`${table(HEADER, items.map(row), WIDTHS)}\n`);
  if (!v.follow) return 0;
  const seen = Math.max(0, ...first.items.map((r) => r.id ?? 0));
  query.delete('limit');
  query.set('order', 'asc');
  let cursor = first.tail;
  for (;;) {
    await sleep(interval);
    let page: Page;
    try {
      page = (await adminCall(target, 'GET', `/logs?${query.toString()}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)).json as Page;
    } catch (err) {
      process.stderr.write(`sluice logs: ${err instanceof Error ? err.message : String(err)} (retrying)\n`);
      continue;
    }
    cursor = page.next ?? cursor;
    // A record written while the first page was read shows there and after the tail: print it once.
    for (const r of page.items) {
      if ((r.id ?? Infinity) <= seen) continue;
      write(v.json ? `${JSON.stringify(r)}\n` : `${row(r).join('  ')}\n`);
    }
  }
}
