import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { now } from '../../core/clock.js';
import type { DecisionTrace } from '../../core/trace.js';
import type { BodyTap } from '../taps.js';
import type { CompiledUpstream, UpstreamTarget } from './compile.js';
import { ClientClosedError, FirstByteTimeoutError, HOP_BY_HOP, TotalTimeoutError, classifyUpstreamError } from './errors.js';

export interface ProxyInput {
  readonly method: string;
  /** Path and query sent upstream. */
  readonly path: string;
  /** Flat `[name, value, …]` list sent upstream (hop-by-hop already removed). */
  readonly headers: string[];
  readonly body: Readable | Uint8Array | null;
  /** True when the body is buffered or absent (it can be sent again on a retry). */
  readonly bodyReplayable: boolean;
}

export interface ProxyHooks {
  /** Upstream status and filtered headers; returns the final header list (policies may add to it). */
  responseHeaders(status: number, headers: string[]): string[];
  /** Answer with a gateway error (nothing was written yet). */
  fail(code: string, detail: string): void;
  readonly trace: DecisionTrace;
  /** Bounded copy of the bodies for call logs (absent: nothing is copied). */
  readonly bodyTap?: BodyTap;
  /** For a streamed body: whether any of it has been read (then it cannot be replayed). */
  bodyStarted(): boolean;
  /** The exchange is over (called once). */
  finished(r: ProxyResult): void;
}

export interface ProxyResult {
  readonly status: number;
  readonly answeredBy: 'gateway' | 'upstream';
  readonly code?: string;
  readonly attempts: number;
  /** ms from the first dispatch to the upstream response headers. */
  readonly firstByteMs?: number;
  /** False when the client went away or the upstream broke mid-body. */
  readonly completed: boolean;
  /** Response body bytes written to the client. */
  readonly bytesOut?: number;
  /** Request body bytes sent upstream (last attempt). */
  readonly bytesIn?: number;
  /** Origin of the target that answered (or failed last). */
  readonly target?: string;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

function latin1(b: Buffer | string): string {
  return typeof b === 'string' ? b : b.toString('latin1');
}

/**
 * One proxied request: picks a target, dispatches with undici's handler interface (no stream
 * wrappers), streams the response with backpressure, retries only where safe, and turns every
 * failure into a pinpointed gateway error when nothing was written yet.
 */
export class Exchange {
  private attempt = 0;
  private tried: UpstreamTarget[] | undefined;
  private headersSent = false;
  private finished = false;
  private clientClosed = false;
  private startedAt = 0;
  private firstByteAt = 0;
  /** One native timer per request for the first-byte and total deadlines (undici's own are ~1 s coarse). */
  private timer: NodeJS.Timeout | undefined;
  private totalDeadline = 0;
  private firstByteDeadline = 0;
  private current: Attempt | undefined;
  private bytesOut = 0;
  /** Content-Length of the response being forwarded (-1: unknown or no body). */
  private expectedLength = -1;
  /** The final chunk of a Content-Length body, written with end(). */
  private lastChunk: Buffer | undefined;
  private readonly onClientClose = (): void => {
    if (this.finished) return;
    this.clientClosed = true;
    this.current?.abort(new ClientClosedError());
  };

  constructor(
    private readonly up: CompiledUpstream,
    private readonly input: ProxyInput,
    private readonly res: ServerResponse,
    private readonly hooks: ProxyHooks,
  ) {}

  start(): void {
    this.startedAt = now();
    this.res.once('close', this.onClientClose);
    this.totalDeadline = this.up.totalMs > 0 ? this.startedAt + this.up.totalMs : Infinity;
    this.dispatch();
  }

  private dispatch(): void {
    const t = Date.now();
    const target = this.up.balancer.pick(t, this.tried);
    if (!target) {
      const everyTarget = this.tried ? 'no other healthy target' : 'every target is unhealthy';
      this.trace({ outcome: 'deny', code: 'upstream.unavailable', detail: `${everyTarget} (service ${this.up.serviceId})` });
      this.gatewayFail('upstream.unavailable', `No healthy upstream target for service "${this.up.serviceId}".`);
      return;
    }
    this.attempt++;
    target.state.begin(t);
    const attempt = new Attempt(this, target, now());
    this.current = attempt;
    this.firstByteDeadline = this.up.firstByteMs > 0 ? attempt.startedAt + this.up.firstByteMs : Infinity;
    this.arm();
    const opts: Dispatcher.DispatchOptions = {
      method: this.input.method,
      path: this.input.path,
      headers: this.input.headers,
      body: this.input.body,
      headersTimeout: 0,
      bodyTimeout: 0,
    };
    target.pool.dispatch(opts, attempt);
  }

  /** (Re)arms the deadline timer for the nearest of the first-byte and total deadlines. */
  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    const deadline = Math.min(this.firstByteDeadline, this.totalDeadline);
    this.timer = deadline === Infinity ? undefined : setTimeout(this.onDeadline, Math.max(0, deadline - now()));
  }

  private readonly onDeadline = (): void => {
    this.timer = undefined;
    const t = now();
    if (t >= this.totalDeadline - 1) this.current?.abort(new TotalTimeoutError(this.up.totalMs));
    else if (t >= this.firstByteDeadline - 1) this.current?.abort(new FirstByteTimeoutError(this.up.firstByteMs));
    else this.arm();
  };

  /** Called by the attempt with the upstream status; decides retry vs. forward. */
  onUpstreamHeaders(a: Attempt, status: number, raw: Buffer[]): boolean {
    if (status < 200) return true; // 1xx: wait for the final response
    this.firstByteAt = now();
    // The armed timer stays: if it fires at the old first-byte deadline, onDeadline re-arms for the
    // total one. Most requests end first, so this saves a clear + set per request.
    this.firstByteDeadline = Infinity;
    const passive = this.up.passive;
    if (passive?.onStatus.has(status)) a.failedStatus = status;
    if (this.up.retries.onStatus.has(status) && this.canRetry(false)) {
      a.discard = true;
      return true;
    }
    const out: string[] = [];
    let connectionTokens: string[] | undefined;
    let length = -1;
    for (let i = 0; i < raw.length; i += 2) {
      const name = latin1(raw[i]!);
      const lower = name.toLowerCase();
      if (HOP_BY_HOP.has(lower)) {
        if (lower === 'connection') connectionTokens = latin1(raw[i + 1]!).toLowerCase().split(',').map((s) => s.trim());
        continue;
      }
      const value = latin1(raw[i + 1]!);
      if (lower === 'content-length') length = Number(value);
      out.push(name, value);
    }
    this.expectedLength = this.input.method === 'HEAD' || !Number.isSafeInteger(length) ? -1 : length;
    const headers = this.hooks.responseHeaders(status, connectionTokens ? dropNamed(out, connectionTokens) : out);
    this.headersSent = true;
    if (this.res.destroyed) return false;
    this.res.writeHead(status, headers);
    return true;
  }

  /** Writes a body chunk; false asks undici to pause until the client drains. */
  onUpstreamData(a: Attempt, chunk: Buffer): boolean {
    if (a.discard || this.res.destroyed) return true;
    this.bytesOut += chunk.length;
    this.hooks.bodyTap?.response(chunk);
    // The chunk that completes a Content-Length body goes out with end(): one write instead of two
    // passes through the stream machinery (undici completes the message right after it).
    if (this.bytesOut === this.expectedLength) {
      this.lastChunk = chunk;
      return true;
    }
    if (this.res.write(chunk)) return true;
    this.res.once('drain', a.resumeFn);
    return false;
  }

  onUpstreamComplete(a: Attempt, status: number): void {
    const ms = now() - a.startedAt;
    if (a.failedStatus !== undefined) a.target.state.fail(this.up.passive, Date.now(), `status ${a.failedStatus}`);
    else a.target.state.succeed();
    if (a.discard) {
      this.trace({ outcome: 'error', code: 'upstream.retry', detail: `${a.target.origin} answered ${status}; retrying`, data: { target: a.target.origin, attempt: this.attempt, status, connectMs: a.connectMs() }, ms });
      this.retry();
      return;
    }
    this.trace({ outcome: 'allow', detail: a.target.answered(status), data: { target: a.target.origin, attempt: this.attempt, status, connectMs: a.connectMs() }, ms });
    const last = this.lastChunk;
    this.lastChunk = undefined;
    if (last) this.res.end(last);
    else this.res.end();
    this.finish(status, 'upstream', undefined, true);
  }

  onUpstreamError(a: Attempt, err: Error): void {
    const ms = now() - a.startedAt;
    if (err instanceof ClientClosedError || this.clientClosed) {
      a.target.state.release();
      this.trace({ outcome: 'skip', code: 'request.client_closed', detail: 'client closed the connection; upstream request aborted', data: { target: a.target.origin }, ms });
      this.finish(499, 'gateway', 'request.client_closed', false);
      return;
    }
    const { code, retryBeforeSend } = classifyUpstreamError(err);
    a.target.state.fail(this.up.passive, Date.now(), (err as { code?: string }).code ?? err.message);
    const detail = `${a.target.origin}: ${describeError(err)}`;
    this.trace({ outcome: 'error', code, detail, data: { target: a.target.origin, attempt: this.attempt, error: (err as { code?: string }).code ?? err.name, connectMs: a.connectMs() }, ms });
    if (this.headersSent) {
      // Mid-body failure: the status is gone; the client sees a truncated response.
      this.res.destroy();
      this.finish(this.res.statusCode, 'upstream', code, false);
      return;
    }
    // The total deadline is spent: no retry. A first-byte timeout is retried like a reset (idempotent only).
    if (!(err instanceof TotalTimeoutError) && this.canRetry(retryBeforeSend)) {
      this.retry();
      return;
    }
    this.gatewayFail(code, upstreamDetail(code, this.up.serviceId));
  }

  /** Request body bytes as undici writes them; the tap sees the first attempt only (retries resend). */
  onBodySent(chunk: Uint8Array | string): number {
    const n = typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
    if (this.attempt === 1 && this.hooks.bodyTap) this.hooks.bodyTap.request(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    return n;
  }

  private canRetry(beforeSend: boolean): boolean {
    if (this.attempt > this.up.retries.attempts || this.clientClosed) return false;
    const replayable = this.input.bodyReplayable || !this.hooks.bodyStarted();
    if (!replayable) return false;
    return beforeSend || IDEMPOTENT.has(this.input.method);
  }

  private retry(): void {
    (this.tried ??= []).push(this.current!.target);
    const cap = Math.min(this.up.retries.maxMs, this.up.retries.baseMs * 2 ** (this.attempt - 1));
    const delay = Math.random() * cap; // full jitter
    const t = setTimeout(() => {
      if (this.clientClosed) {
        this.finish(499, 'gateway', 'request.client_closed', false);
        return;
      }
      // Prefer another target; fall back to the same one when it is the only one left.
      if (this.tried && this.tried.length >= this.up.targets.length) this.tried = undefined;
      this.dispatch();
    }, delay);
    t.unref();
  }

  private gatewayFail(code: string, detail: string): void {
    this.headersSent = true;
    if (!this.res.destroyed) this.hooks.fail(code, detail);
    this.finish(this.res.statusCode, 'gateway', code, !this.res.destroyed);
  }

  private trace(e: { outcome: 'allow' | 'deny' | 'error' | 'skip'; code?: string; detail: string; data?: Record<string, unknown>; ms?: number }): void {
    this.hooks.trace.add({ step: 'upstream', phase: 'upstream', outcome: e.outcome, code: e.code, detail: e.detail, data: e.data, ms: e.ms ?? 0 });
  }

  /** Reports the outcome once; the result always has the same shape (one hidden class for V8). */
  private finish(status: number, answeredBy: 'gateway' | 'upstream', code: string | undefined, completed: boolean): void {
    if (this.finished) return;
    this.finished = true;
    const a = this.current;
    if (this.timer) clearTimeout(this.timer);
    this.res.removeListener('close', this.onClientClose);
    this.hooks.finished({
      status,
      answeredBy,
      code,
      attempts: this.attempt,
      firstByteMs: this.firstByteAt > 0 ? this.firstByteAt - this.startedAt : undefined,
      completed,
      bytesOut: answeredBy === 'upstream' ? this.bytesOut : undefined,
      bytesIn: a?.bytesSent,
      target: a?.target.origin,
    });
  }
}

/** undici handler for one attempt (legacy interface: no per-request adapter objects inside undici). */
class Attempt implements Dispatcher.DispatchHandler {
  discard = false;
  failedStatus: number | undefined;
  private status = 0;
  private abortFn: ((err?: Error) => void) | undefined;
  private pendingAbort: Error | undefined;
  resumeFn: () => void = () => undefined;
  bytesSent = 0;
  /** When undici handed the request to a connected socket (0 until then). */
  private connectedAt = 0;

  constructor(private readonly ex: Exchange, readonly target: UpstreamTarget, readonly startedAt: number) {}

  abort(err: Error): void {
    if (this.abortFn) this.abortFn(err);
    else this.pendingAbort = err;
  }

  /** ms until a connection was ready: ~0 on a reused keep-alive connection, else connect + pool wait. */
  connectMs(): number | undefined {
    return this.connectedAt ? this.connectedAt - this.startedAt : undefined;
  }

  onConnect(abort: (err?: Error) => void): void {
    this.connectedAt = now();
    this.abortFn = abort;
    if (this.pendingAbort) abort(this.pendingAbort);
  }

  onHeaders(statusCode: number, headers: Buffer[], resume: () => void): boolean {
    this.status = statusCode;
    this.resumeFn = resume;
    return this.ex.onUpstreamHeaders(this, statusCode, headers);
  }

  onData(chunk: Buffer): boolean {
    return this.ex.onUpstreamData(this, chunk);
  }

  // undici's types say a size, but at runtime (v7 client-h1/h2) it passes the chunk itself.
  onBodySent(chunk: unknown): void {
    if (typeof chunk === 'string' || chunk instanceof Uint8Array) this.bytesSent += this.ex.onBodySent(chunk);
    else if (typeof chunk === 'number') this.bytesSent += chunk;
  }

  onComplete(): void {
    this.ex.onUpstreamComplete(this, this.status);
  }

  onError(err: Error): void {
    this.ex.onUpstreamError(this, err);
  }
}

/** Removes the headers a `Connection` header names (they are hop-by-hop too). */
function dropNamed(flat: string[], names: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < flat.length; i += 2) if (!names.includes(flat[i]!.toLowerCase())) out.push(flat[i]!, flat[i + 1]!);
  return out;
}

function describeError(err: Error): string {
  const code = (err as { code?: string }).code;
  return code ? `${code} (${err.message})` : err.message;
}

function upstreamDetail(code: string, serviceId: string): string {
  const svc = `service "${serviceId}"`;
  switch (code) {
    case 'upstream.connect_failed':
      return `The upstream of ${svc} refused the connection or could not be reached.`;
    case 'upstream.connect_timeout':
      return `The upstream of ${svc} did not accept a connection in time.`;
    case 'upstream.timeout':
      return `The upstream of ${svc} did not answer in time.`;
    case 'upstream.bad_response':
      return `The upstream of ${svc} sent an invalid HTTP response.`;
    default:
      return `The upstream of ${svc} closed the connection before answering.`;
  }
}
