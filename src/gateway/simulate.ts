import type { RequestTrace, TraceEntry } from '../core/trace.js';
import { renderAnswer, renderResponse } from './answer.js';
import { normalizeAddress, resolveClientIp } from './client-ip.js';
import { evaluate } from './evaluate.js';
import { splitUrl } from './path-check.js';
import { BufferBodySource, GatewayRequestContext } from './request-context.js';
import type { Snapshot } from './snapshot.js';
import type { ReasonTable } from '../core/reasons.js';

/** A hypothetical request to evaluate without contacting any upstream. */
export interface SimulationInput {
  readonly method: string;
  /** Path with optional query, e.g. `/orders/7?expand=1`. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string | string[]>>;
  /** TCP peer address (defaults to 127.0.0.1). */
  readonly ip?: string;
  readonly body?: string;
}

export interface SimulationResult {
  /**
   * `denied`: the gateway refuses it; `answered`: a policy answers it itself (e.g. a CORS preflight);
   * `forwarded`: the request would reach the upstream.
   */
  readonly outcome: 'denied' | 'answered' | 'forwarded';
  /** What the client would get when the gateway answers; null when the upstream would answer. */
  readonly response: { status: number; headers: Record<string, string>; body: unknown } | null;
  /** Where the request would go when forwarded. */
  readonly upstream?: { service: string; kind: string; targets?: readonly { url: string; healthy: boolean }[]; path?: string };
  readonly trace: RequestTrace;
}

/** Runs routing and every policy in dry-run mode (no quota consumed) and reports the outcome. */
export async function simulate(snap: Snapshot, reasons: ReasonTable, input: SimulationInput): Promise<SimulationResult> {
  const started = performance.now();
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(input.headers ?? {})) headers[k.toLowerCase()] = v;
  const body = input.body !== undefined ? Buffer.from(input.body) : undefined;
  if (body && headers['content-length'] === undefined && headers['transfer-encoding'] === undefined) headers['content-length'] = String(body.length);
  const { path, rawQuery } = splitUrl(input.path);
  const remote = normalizeAddress(input.ip ?? '127.0.0.1');
  const trusted = snap.settings.trustedProxies;
  const ctx = new GatewayRequestContext({
    id: `sim-${crypto.randomUUID()}`,
    method: input.method.toUpperCase(),
    path,
    rawQuery,
    headers,
    clientIp: resolveClientIp(remote, headers['x-forwarded-for'], trusted),
    remoteAddress: remote,
    configVersion: snap.version,
    dryRun: true,
    body: new BufferBodySource(body ?? new Uint8Array(0)),
  });
  const ev = await evaluate(snap, ctx);
  const base = {
    requestId: ctx.id,
    timestamp: Date.now(),
    configVersion: snap.version,
    method: ctx.method,
    path: ctx.path,
    host: ctx.host,
    clientIp: ctx.clientIp,
    routeId: ev.route?.id,
    serviceId: ev.route?.service.id,
    consumerId: ctx.consumer?.id,
    simulated: true,
  };
  const entries: TraceEntry[] = ctx.trace.entries;
  if (ev.kind === 'answer') {
    const r = renderAnswer(ctx, reasons, snap.version, ev.route?.dialect ?? ev.dialect ?? snap.dialects.get('problem'), ev);
    const hdrs: Record<string, string> = {};
    for (let i = 0; i < r.headers.length; i += 2) hdrs[r.headers[i]!.toLowerCase()] = r.headers[i + 1]!;
    let parsed: unknown = r.body;
    try {
      parsed = JSON.parse(r.body);
    } catch {
      /* non-JSON dialect: keep the text */
    }
    return {
      outcome: 'denied',
      response: { status: r.status, headers: hdrs, body: parsed },
      trace: { ...base, status: r.status, code: ev.code, decidedBy: ev.policy, answeredBy: 'gateway', durationMs: performance.now() - started, entries },
    };
  }
  if (ev.kind === 'respond') {
    const r = renderResponse(ctx, reasons, ev);
    const hdrs: Record<string, string> = {};
    for (let i = 0; i < r.headers.length; i += 2) hdrs[r.headers[i]!.toLowerCase()] = r.headers[i + 1]!;
    return {
      outcome: 'answered',
      response: { status: r.status, headers: hdrs, body: '' },
      trace: { ...base, status: r.status, code: ev.code, decidedBy: ev.policy, answeredBy: 'gateway', durationMs: performance.now() - started, entries },
    };
  }
  const service = ev.route.service;
  const query = ctx.upstreamEdits?.query ?? rawQuery;
  const upstreamPath = ctx.upstreamEdits?.path ?? (ev.route.rewrite ? ev.route.rewrite(ev.params, ev.rest) : ctx.path) + (query ? `?${query}` : '');
  const now = Date.now();
  return {
    outcome: 'forwarded',
    response: null,
    upstream:
      'upstream' in service
        ? { service: service.id, kind: 'http', targets: service.upstream.targets.map((t) => ({ url: t.state.url, healthy: t.state.available(now) })), path: upstreamPath }
        : { service: service.id, kind: service.kind },
    trace: { ...base, status: 0, answeredBy: 'upstream', durationMs: performance.now() - started, entries },
  };
}
