import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { now } from '../core/clock.js';
import { parseIp } from '../core/ip.js';
import { runFinishHooks, runResponseHooks, type Execution } from '../core/pipeline.js';
import type { ReasonTable } from '../core/reasons.js';
import type { RequestTrace } from '../core/trace.js';
import { writeAnswer, writeResponse } from './answer.js';
import { normalizeAddress, resolveClientIp } from './client-ip.js';
import { evaluate, type Evaluation } from './evaluate.js';
import { splitUrl } from './path-check.js';
import { GatewayRequestContext, NodeBodySource } from './request-context.js';
import { newRequestId } from './request-id.js';
import { FlatResponseInfo, mergeFlatHeaders } from './response-info.js';
import { createServiceExchange } from './service-exchange.js';
import type { CompiledRoute, Snapshot } from './snapshot.js';
import type { RequestTaps } from './taps.js';
import { Exchange, type ProxyHooks, type ProxyResult } from './upstream/exchange.js';
import type { BodyTap } from './taps.js';
import { upstreamHeaders } from './upstream-headers.js';

/** What the data plane needs from the running gateway. */
export interface DataPlaneHost {
  current(): Snapshot;
  readonly reasons: ReasonTable;
  readonly log: Logger;
  /** A request is over: store its trace, count it, retire drained snapshots. */
  finished(snap: Snapshot, trace: RequestTrace): void;
  readonly protocol: 'http' | 'https';
  /** Telemetry hooks (tracing, body capture); absent = no per-request cost. */
  readonly taps?: RequestTaps;
}

const REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

interface Outcome {
  readonly status: number;
  readonly answeredBy: 'gateway' | 'upstream';
  readonly code?: string;
  readonly completed: boolean;
  readonly bytesIn?: number;
  readonly bytesOut?: number;
  readonly attempts?: number;
  readonly firstByteMs?: number;
  readonly target?: string;
}

/** The request path of the proxy listener: context → routing → policies → upstream → trace. */
export class DataPlane {
  constructor(readonly host: DataPlaneHost) {}

  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    const snap = this.host.current();
    snap.inflight++;
    const startedAt = now();
    const timestamp = Date.now();
    let ctx: GatewayRequestContext | undefined;
    try {
      ctx = this.context(req, snap);
      this.host.taps?.begin?.(ctx);
      const ev = evaluate(snap, ctx);
      if (ev instanceof Promise) {
        const c = ctx;
        ev.then(
          (e) => this.act(req, res, snap, c, e, startedAt, timestamp),
          (err: unknown) => this.crash(res, snap, c, err, startedAt, timestamp),
        );
      } else this.act(req, res, snap, ctx, ev, startedAt, timestamp);
    } catch (err) {
      this.crash(res, snap, ctx ?? this.context(req, snap), err, startedAt, timestamp);
    }
  };

  private context(req: IncomingMessage, snap: Snapshot): GatewayRequestContext {
    const { path, rawQuery } = splitUrl(req.url ?? '/');
    const remote = normalizeAddress(req.socket.remoteAddress);
    const trusted = snap.settings.trustedProxies;
    const incomingId = req.headers[snap.settings.requestIdHeader];
    const id =
      typeof incomingId === 'string' && trusted && REQUEST_ID.test(incomingId) && trusted.has(parseIp(remote)) ? incomingId : newRequestId();
    return new GatewayRequestContext({
      id,
      method: req.method ?? 'GET',
      path,
      rawQuery,
      headers: req.headers,
      clientIp: trusted ? resolveClientIp(remote, req.headers['x-forwarded-for'], trusted) : remote,
      remoteAddress: remote,
      configVersion: snap.version,
      dryRun: false,
      body: new NodeBodySource(req),
    });
  }

  private act(req: IncomingMessage, res: ServerResponse, snap: Snapshot, ctx: GatewayRequestContext, ev: Evaluation, startedAt: number, timestamp: number): void {
    try {
      if (ev.kind === 'answer') {
        const dialect = ev.route?.dialect ?? ev.dialect ?? snap.dialects.get('problem');
        const { status, bytes } = writeAnswer(res, ctx, this.host.reasons, snap.version, dialect, ev);
        this.finish(snap, ctx, ev.exec, ev.route, { status, answeredBy: 'gateway', code: ev.code, completed: true, bytesOut: bytes, bytesIn: ctx.bufferedBody?.length }, startedAt, timestamp, ev.policy);
        return;
      }
      if (ev.kind === 'respond') {
        const { status } = writeResponse(res, ctx, this.host.reasons, ev);
        this.finish(snap, ctx, ev.exec, ev.route, { status, answeredBy: 'gateway', code: ev.code, completed: true, bytesOut: 0, bytesIn: ctx.bufferedBody?.length }, startedAt, timestamp, ev.policy);
        return;
      }
      const { route, exec } = ev;
      const service = route.service;
      if (service.kind === 'http' && 'upstream' in service) {
        this.proxy(req, res, snap, ctx, ev, service.upstream, startedAt, timestamp);
        return;
      }
      if ('handler' in service) {
        const exchange = createServiceExchange(req, res, ctx, exec, this.host.reasons, snap.version, route.dialect, this.host.taps?.traceparent?.(ctx));
        service.handler.handle(exchange).then(
          // A literal, not `{ ...r, completed }`: spread-built objects on this path came with
          // allocations that outlived young-generation collections (see servedAnnotation).
          (r) => this.finish(snap, ctx, exec, route, { status: r.status, answeredBy: r.answeredBy, code: r.code, completed: !res.destroyed || res.writableFinished }, startedAt, timestamp),
          (err: unknown) => this.crash(res, snap, ctx, err, startedAt, timestamp, exec, route),
        );
      }
    } catch (err) {
      this.crash(res, snap, ctx, err, startedAt, timestamp, ev.exec, ev.route);
    }
  }

  private proxy(
    req: IncomingMessage,
    res: ServerResponse,
    snap: Snapshot,
    ctx: GatewayRequestContext,
    ev: Extract<Evaluation, { kind: 'forward' }>,
    upstream: Extract<CompiledRoute['service'], { kind: 'http' }>['upstream'],
    startedAt: number,
    timestamp: number,
  ): void {
    const { route, exec } = ev;
    const edits = ctx.upstreamEdits;
    const body = edits?.body ?? ctx.bufferedBody;
    let path = edits?.path;
    if (path === undefined) {
      const query = edits?.query ?? ctx.rawQuery;
      path = route.rewrite ? route.rewrite(ev.params, ev.rest) + (query ? `?${query}` : '') : edits?.query !== undefined ? ctx.path + (query ? `?${query}` : '') : req.url!;
      if (path.charCodeAt(0) !== 47) path = ctx.path + (query ? `?${query}` : '');
    }
    const trustedPeer = snap.settings.trustedProxies?.has(parseIp(ctx.remoteAddress)) ?? false;
    const taps = this.host.taps;
    const headers = upstreamHeaders(req.rawHeaders, ctx, {
      preserveHost: upstream.preserveHost,
      requestIdHeader: snap.settings.requestIdHeader,
      trustedPeer,
      protocol: this.host.protocol,
      bodyLength: body?.length,
      traceparent: taps?.traceparent?.(ctx),
    });
    const exchange = new Exchange(
      upstream,
      { method: ctx.method, path, headers, body: body ?? (ctx.hasBody ? req : null), bodyReplayable: body !== undefined || !ctx.hasBody },
      res,
      new ForwardHooks(this, snap, ctx, exec, route, res, startedAt, timestamp, taps?.bodyTap?.(ctx, route.id, route.service.id)),
    );
    exchange.start();
  }

  private crash(
    res: ServerResponse,
    snap: Snapshot,
    ctx: GatewayRequestContext,
    err: unknown,
    startedAt: number,
    timestamp: number,
    exec?: Execution,
    route?: CompiledRoute,
  ): void {
    this.host.log.error({ err, request_id: ctx.id }, 'gateway error while handling a request');
    ctx.trace.add({ step: 'gateway', phase: 'gateway', outcome: 'error', code: 'gateway.internal_error', detail: err instanceof Error ? err.message : String(err), ms: 0 });
    let status = 500;
    if (!res.headersSent && !res.destroyed) {
      status = writeAnswer(res, ctx, this.host.reasons, snap.version, route?.dialect ?? snap.dialects.get('problem'), {
        code: 'gateway.internal_error',
        detail: `The gateway failed while handling this request (request id ${ctx.id}).`,
      }).status;
    } else if (!res.writableEnded) res.destroy();
    this.finish(snap, ctx, exec, route, { status, answeredBy: 'gateway', code: 'gateway.internal_error', completed: false }, startedAt, timestamp);
  }

  /** @internal the request is over: finish hooks, trace, counters. */
  finish(
    snap: Snapshot,
    ctx: GatewayRequestContext,
    exec: Execution | undefined,
    route: CompiledRoute | undefined,
    o: Outcome,
    startedAt: number,
    timestamp: number,
    decidedBy?: RequestTrace['decidedBy'],
  ): void {
    const durationMs = now() - startedAt;
    if (exec) runFinishHooks(ctx, exec, { status: o.status, answeredBy: o.answeredBy, durationMs, completed: o.completed });
    this.host.finished(snap, {
      requestId: ctx.id,
      timestamp,
      configVersion: snap.version,
      method: ctx.method,
      path: ctx.path,
      host: ctx.host,
      clientIp: ctx.clientIp,
      routeId: route?.id,
      serviceId: route?.service.id,
      consumerId: ctx.consumer?.id,
      credentialId: ctx.credential?.id,
      status: o.status,
      code: o.answeredBy === 'gateway' ? o.code : undefined,
      decidedBy,
      answeredBy: o.answeredBy,
      simulated: false,
      durationMs,
      bytesIn: o.bytesIn ?? ctx.bufferedBody?.length ?? (o.answeredBy === 'gateway' ? undefined : ctx.contentLength),
      bytesOut: o.bytesOut,
      upstream: o.attempts ? { attempts: o.attempts, firstByteMs: o.firstByteMs, target: o.target } : undefined,
      annotations: ctx.annotations,
      entries: ctx.trace.entries,
    });
  }
}

/** What one forwarded request needs from the data plane: a single object, not a closure per hook. */
class ForwardHooks implements ProxyHooks {
  readonly trace: GatewayRequestContext["trace"];
  private readonly hasResponseHooks: boolean;

  constructor(
    private readonly plane: DataPlane,
    private readonly snap: Snapshot,
    private readonly ctx: GatewayRequestContext,
    private readonly exec: Execution,
    private readonly route: CompiledRoute,
    private readonly res: ServerResponse,
    private readonly startedAt: number,
    private readonly timestamp: number,
    readonly bodyTap: BodyTap | undefined,
  ) {
    this.trace = ctx.trace;
    this.hasResponseHooks = exec.reached > 0;
  }

  responseHeaders(status: number, list: string[]): string[] {
    const ctx = this.ctx;
    list.push('x-request-id', ctx.id);
    mergeFlatHeaders(list, ctx.responseHeaders);
    if (this.hasResponseHooks) runResponseHooks(ctx, this.exec, new FlatResponseInfo(status, 'upstream', undefined, list));
    return list;
  }

  fail(code: string, detail: string): void {
    writeAnswer(this.res, this.ctx, this.plane.host.reasons, this.snap.version, this.route.dialect, { code, detail, exec: this.exec });
  }

  bodyStarted(): boolean {
    return this.ctx.bodySource.started();
  }

  finished(r: ProxyResult): void {
    this.plane.finish(this.snap, this.ctx, this.exec, this.route, r, this.startedAt, this.timestamp);
  }
}
