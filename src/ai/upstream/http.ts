import type { Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Dispatcher } from 'undici';

/** Response headers with lower-case names, as adapters expect them. */
export type HeaderMap = Record<string, string | string[]>;

/** Why an upstream exchange failed before or while the response was read (not an HTTP status). */
export type TransportFailure = 'connect' | 'connect_timeout' | 'reset' | 'bad_response' | 'timeout' | 'first_token_timeout' | 'deadline' | 'client_closed';

export class TransportError extends Error {
  constructor(readonly failure: TransportFailure, message: string, readonly causeCode?: string) {
    super(message);
    this.name = 'TransportError';
  }
}

/** Above this many buffered bytes the upstream socket is paused until the consumer catches up. */
const HIGH_WATER = 64 * 1024;

/**
 * One upstream HTTP exchange over undici's dispatch interface: no stream wrappers, body chunks are
 * pulled by the consumer (`next`), the socket pauses when the consumer lags (backpressure), and
 * gzip/deflate/br bodies are decoded as they arrive. `abort` ends it from anywhere (timeouts, client).
 */
export class UpstreamExchange implements Dispatcher.DispatchHandler {
  status = 0;
  headers: HeaderMap = {};
  private abortFn: ((err?: Error) => void) | undefined;
  private pendingAbort: Error | undefined;
  private resumeFn: (() => void) | undefined;
  private paused = false;
  private queue: Buffer[] = [];
  private queued = 0;
  private ended = false;
  private failed: Error | undefined;
  private wake: (() => void) | undefined;
  private headResolve!: (x: UpstreamExchange) => void;
  private headReject!: (e: Error) => void;
  private decoder: Transform | undefined;
  private headDone = false;
  /** Resolves with the exchange once the status and headers arrived. */
  readonly head: Promise<UpstreamExchange>;

  constructor() {
    this.head = new Promise((resolve, reject) => {
      this.headResolve = resolve;
      this.headReject = reject;
    });
  }

  abort(err: Error): void {
    if (this.ended || this.failed) return;
    if (this.abortFn) this.abortFn(err);
    else this.pendingAbort = err;
  }

  onConnect(abort: (err?: Error) => void): void {
    this.abortFn = abort;
    if (this.pendingAbort) abort(this.pendingAbort);
  }

  onHeaders(statusCode: number, raw: Buffer[], resume: () => void): boolean {
    if (statusCode < 200) return true;
    this.status = statusCode;
    this.resumeFn = resume;
    const h: HeaderMap = {};
    for (let i = 0; i < raw.length; i += 2) {
      const k = raw[i]!.toString('latin1').toLowerCase();
      const v = raw[i + 1]!.toString('latin1');
      const prev = h[k];
      h[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
    this.headers = h;
    const enc = typeof h['content-encoding'] === 'string' ? h['content-encoding'].trim().toLowerCase() : '';
    if (enc === 'gzip' || enc === 'x-gzip' || enc === 'deflate' || enc === 'br') this.startDecoder(enc);
    this.headDone = true;
    this.headResolve(this);
    return true;
  }

  private startDecoder(enc: string): void {
    const d: Transform = enc === 'br' ? createBrotliDecompress() : enc === 'deflate' ? createInflate() : createGunzip();
    d.on('data', (c: Buffer) => this.push(c));
    d.on('end', () => this.finish());
    d.on('error', (err) => this.fail(new TransportError('bad_response', `upstream ${enc} body could not be decoded: ${err.message}`)));
    this.decoder = d;
  }

  onData(chunk: Buffer): boolean {
    if (this.decoder) {
      this.decoder.write(chunk);
      return true;
    }
    return this.push(chunk);
  }

  private push(chunk: Buffer): boolean {
    this.queue.push(chunk);
    this.queued += chunk.length;
    this.signal();
    if (this.queued > HIGH_WATER) {
      this.paused = true;
      return false;
    }
    return true;
  }

  onComplete(): void {
    if (this.decoder) this.decoder.end();
    else this.finish();
  }

  onError(err: Error): void {
    this.fail(err);
  }

  private finish(): void {
    this.ended = true;
    this.signal();
  }

  private fail(err: Error): void {
    if (this.ended || this.failed) return;
    this.failed = err;
    this.decoder?.destroy();
    if (!this.headDone) this.headReject(err);
    this.signal();
  }

  private signal(): void {
    const w = this.wake;
    if (w) {
      this.wake = undefined;
      w();
    }
  }

  /** Next body chunk, or null at the end. Rejects with the transport error. */
  next(): Promise<Buffer | null> | Buffer | null {
    if (this.queue.length > 0) {
      const c = this.queue.shift()!;
      this.queued -= c.length;
      if (this.paused && this.queued <= HIGH_WATER / 2) {
        this.paused = false;
        this.resumeFn?.();
      }
      return c;
    }
    if (this.failed) return Promise.reject(this.failed);
    if (this.ended) return null;
    return new Promise<void>((resolve) => (this.wake = resolve)).then(() => this.next());
  }

  /** The whole body (error bodies, non-streaming responses), at most `limit` bytes. */
  async readAll(limit = 64 * 1024 * 1024): Promise<Buffer> {
    const parts: Buffer[] = [];
    let size = 0;
    for (;;) {
      const c = await this.next();
      if (c === null) break;
      size += c.length;
      if (size > limit) {
        this.abort(new TransportError('bad_response', `upstream body exceeds ${limit} bytes`));
        throw new TransportError('bad_response', `upstream body exceeds ${limit} bytes`);
      }
      parts.push(c);
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
  }
}

/** Maps undici/socket error codes onto the failure kinds the router decides with. */
export function classifyTransport(err: unknown): TransportError {
  if (err instanceof TransportError) return err;
  const code = (err as { code?: string } | undefined)?.code ?? '';
  const msg = err instanceof Error ? err.message : String(err);
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
      return new TransportError('connect_timeout', `connect timeout (${msg})`, code);
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EAI_AGAIN':
    case 'EADDRNOTAVAIL':
      return new TransportError('connect', `${code} (${msg})`, code);
    default:
      if (code.startsWith('HPE_') || code === 'UND_ERR_INFO' || code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH') return new TransportError('bad_response', `invalid HTTP response: ${code}`, code);
      if (code.startsWith('ERR_TLS') || code.startsWith('CERT_')) return new TransportError('connect', `TLS failure: ${code}`, code);
      return new TransportError('reset', code ? `${code} (${msg})` : msg, code || undefined);
  }
}
