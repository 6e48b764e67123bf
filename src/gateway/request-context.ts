import type { IncomingMessage } from 'node:http';
import type { ConsumerIdentity, CredentialIdentity, Headers, MatchedRoute, RequestContext, UpstreamRequestEdits } from '../core/context.js';
import { BodyAbortedError, BodyTooLargeError } from '../core/context.js';
import type { PolicyRef } from '../core/trace.js';
import { DecisionTrace } from '../core/trace.js';
import { sameHeaderName } from './response-info.js';

/** Where the request body comes from: the live socket, or the simulator's input. */
export interface BodySource {
  read(limit: number): Promise<Uint8Array>;
  /** Whether any byte was consumed from the client. */
  started(): boolean;
  /** Whether the whole body was consumed. */
  complete(): boolean;
}

export class NodeBodySource implements BodySource {
  private buffered: Promise<Uint8Array> | undefined;
  private done = false;

  constructor(private readonly req: IncomingMessage) {}

  read(limit: number): Promise<Uint8Array> {
    this.buffered ??= new Promise<Uint8Array>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const req = this.req;
      const cleanup = () => {
        req.removeListener('data', onData);
        req.removeListener('end', onEnd);
        req.removeListener('error', onError);
        req.removeListener('aborted', onAborted);
      };
      const onData = (c: Buffer) => {
        size += c.length;
        if (size > limit) {
          cleanup();
          req.pause();
          reject(new BodyTooLargeError(limit, size));
          return;
        }
        chunks.push(c);
      };
      const onEnd = () => {
        cleanup();
        this.done = true;
        resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
      };
      const onError = (err: Error) => {
        cleanup();
        reject(new BodyAbortedError(err.message));
      };
      const onAborted = () => {
        cleanup();
        reject(new BodyAbortedError());
      };
      req.on('data', onData).on('end', onEnd).on('error', onError).on('aborted', onAborted);
    });
    return this.buffered;
  }

  started(): boolean {
    return this.buffered !== undefined || this.req.readableDidRead;
  }

  complete(): boolean {
    return this.done || this.req.readableEnded;
  }
}

/** A body given up front (simulator, tests). */
export class BufferBodySource implements BodySource {
  constructor(private readonly body: Uint8Array) {}
  read(limit: number): Promise<Uint8Array> {
    if (this.body.length > limit) return Promise.reject(new BodyTooLargeError(limit, this.body.length));
    return Promise.resolve(this.body);
  }
  started(): boolean {
    return false;
  }
  complete(): boolean {
    return true;
  }
}

export class UpstreamEdits implements UpstreamRequestEdits {
  set: Map<string, string> | undefined;
  removed: Set<string> | undefined;
  path: string | undefined;
  query: string | undefined;
  body: Uint8Array | undefined;

  setHeader(name: string, value: string): void {
    (this.set ??= new Map()).set(name.toLowerCase(), value);
    this.removed?.delete(name.toLowerCase());
  }
  removeHeader(name: string): void {
    (this.removed ??= new Set()).add(name.toLowerCase());
    this.set?.delete(name.toLowerCase());
  }
  setPath(pathAndQuery: string): void {
    this.path = pathAndQuery;
  }
  setQuery(rawQuery: string): void {
    this.query = rawQuery;
  }
  setBody(body: Uint8Array): void {
    this.body = body;
  }
}

export interface RequestInit {
  readonly id: string;
  readonly method: string;
  readonly path: string;
  readonly rawQuery: string;
  readonly headers: Headers;
  readonly clientIp: string;
  readonly remoteAddress: string;
  readonly configVersion: number;
  readonly dryRun: boolean;
  readonly body: BodySource;
}

/** The data-plane implementation of RequestContext (also used by the simulator). */
export class GatewayRequestContext implements RequestContext {
  readonly id: string;
  readonly method: string;
  readonly path: string;
  readonly rawQuery: string;
  readonly headers: Headers;
  readonly clientIp: string;
  readonly remoteAddress: string;
  readonly configVersion: number;
  readonly dryRun: boolean;
  readonly trace = new DecisionTrace();
  readonly bodySource: BodySource;
  route: MatchedRoute | undefined;
  consumer: ConsumerIdentity | undefined;
  credential: CredentialIdentity | undefined;
  currentPolicy: PolicyRef | undefined;
  /** Flat `[name, value…]` headers added to the client response by policies. */
  responseHeaders: string[] | undefined;
  annotations: Record<string, unknown> | undefined;
  private edits: UpstreamEdits | undefined;
  private queryCache: URLSearchParams | undefined;
  private localsCache: Map<string, unknown> | undefined;
  private bodyCache: Uint8Array | undefined;

  constructor(init: RequestInit) {
    this.id = init.id;
    this.method = init.method;
    this.path = init.path;
    this.rawQuery = init.rawQuery;
    this.headers = init.headers;
    this.clientIp = init.clientIp;
    this.remoteAddress = init.remoteAddress;
    this.configVersion = init.configVersion;
    this.dryRun = init.dryRun;
    this.bodySource = init.body;
  }

  get host(): string | undefined {
    return this.header('host');
  }

  get query(): URLSearchParams {
    return (this.queryCache ??= new URLSearchParams(this.rawQuery));
  }

  get locals(): Map<string, unknown> {
    return (this.localsCache ??= new Map());
  }

  get upstream(): UpstreamEdits {
    return (this.edits ??= new UpstreamEdits());
  }

  /** Edits if any policy made some (without allocating them). */
  get upstreamEdits(): UpstreamEdits | undefined {
    return this.edits;
  }

  get contentLength(): number | undefined {
    const v = this.headers['content-length'];
    if (typeof v !== 'string') return undefined;
    const n = Number(v);
    return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
  }

  get hasBody(): boolean {
    const len = this.contentLength;
    return (len !== undefined && len > 0) || this.headers['transfer-encoding'] !== undefined;
  }

  /** The body bytes when a policy buffered them. */
  get bufferedBody(): Uint8Array | undefined {
    return this.bodyCache;
  }

  header(name: string): string | undefined {
    const v = this.headers[name.toLowerCase()];
    return Array.isArray(v) ? v[0] : v;
  }

  annotate(key: string, value: unknown): void {
    (this.annotations ??= {})[key] = value;
  }

  setResponseHeader(name: string, value: string): void {
    const list = (this.responseHeaders ??= []);
    const lower = name.toLowerCase();
    for (let i = 0; i < list.length; i += 2) {
      if (sameHeaderName(list[i]!, lower)) {
        list[i + 1] = value;
        return;
      }
    }
    list.push(name, value);
  }

  async readBody(limit: number): Promise<Uint8Array> {
    if (this.bodyCache) {
      if (this.bodyCache.length > limit) throw new BodyTooLargeError(limit, this.bodyCache.length);
      return this.bodyCache;
    }
    if (!this.hasBody) return (this.bodyCache = new Uint8Array(0));
    this.bodyCache = await this.bodySource.read(limit);
    return this.bodyCache;
  }
}
