import type { DecisionTrace, PolicyRef } from './trace.js';

export type HeaderValue = string | string[] | undefined;
/** Lower-case header names, Node's `IncomingHttpHeaders` shape (but no Node types in core). */
export type Headers = Readonly<Record<string, HeaderValue>>;

/** The route the router matched, as policies see it. */
export interface MatchedRoute {
  readonly id: string;
  readonly serviceId: string;
  /** Path parameters (`/orders/:id` → `{ id }`). */
  readonly params: Readonly<Record<string, string | undefined>>;
  /** Free-form labels from the route config (used by policies such as scopes). */
  readonly tags: readonly string[];
}

/** The authenticated (or anonymous) caller. */
export interface ConsumerIdentity {
  readonly id: string;
  readonly groups: readonly string[];
  /** True for the configured anonymous fallback consumer. */
  readonly anonymous?: boolean;
}

/** The credential that authenticated the caller (never the secret itself). */
export interface CredentialIdentity {
  readonly id: string;
  readonly type: string;
  readonly scopes: readonly string[];
}

/** Changes a policy asks for on the request forwarded upstream. */
export interface UpstreamRequestEdits {
  setHeader(name: string, value: string): void;
  removeHeader(name: string): void;
  /** Replace the path (and query) sent upstream. */
  setPath(pathAndQuery: string): void;
  /**
   * Replace only the query sent upstream (raw, without `?`; "" drops it), keeping the route's path
   * rewrite (e.g. to remove an API key given as a query parameter). `setPath` wins over it.
   */
  setQuery(rawQuery: string): void;
  /** Replace the body sent upstream (it is then sent with a Content-Length). */
  setBody(body: Uint8Array): void;
}

/** Thrown by `readBody` when the body exceeds the bound the caller asked for. */
export class BodyTooLargeError extends Error {
  constructor(readonly limit: number, readonly received: number) {
    super(`request body exceeds ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/** Thrown by `readBody` when the client aborts or the body is malformed. */
export class BodyAbortedError extends Error {
  constructor(message = 'client aborted while sending the body') {
    super(message);
    this.name = 'BodyAbortedError';
  }
}

/**
 * Everything a policy may look at or change for one request. Runtime-neutral: no Node objects,
 * so the same policies run in the data plane and in the simulator.
 */
export interface RequestContext {
  readonly id: string;
  readonly method: string;
  /** Path as received, without the query string. */
  readonly path: string;
  /** Raw query string without `?` ("" when none). */
  readonly rawQuery: string;
  readonly query: URLSearchParams;
  readonly headers: Headers;
  /** First value of a header (names are case-insensitive). */
  header(name: string): string | undefined;
  readonly host: string | undefined;
  /** Client address after trusted-proxy resolution of X-Forwarded-For. */
  readonly clientIp: string;
  /** The TCP peer address. */
  readonly remoteAddress: string;
  /** Declared Content-Length, or undefined (chunked / none). */
  readonly contentLength: number | undefined;
  /** True when the request carries a body (Content-Length > 0 or chunked). */
  readonly hasBody: boolean;
  readonly route: MatchedRoute | undefined;
  consumer: ConsumerIdentity | undefined;
  credential: CredentialIdentity | undefined;
  readonly trace: DecisionTrace;
  readonly configVersion: number;
  /** True in the simulator: policies must not consume quota or change shared state. */
  readonly dryRun: boolean;
  /** Edits applied to the request sent upstream. */
  readonly upstream: UpstreamRequestEdits;
  /** Headers added to the response the client gets (allowed or denied). */
  setResponseHeader(name: string, value: string): void;
  /**
   * Buffer the request body, at most `limit` bytes. Rejects with BodyTooLargeError or BodyAbortedError.
   * After this the body is forwarded from the buffer. Repeated calls return the same bytes.
   */
  readBody(limit: number): Promise<Uint8Array>;
  /** Per-request scratch space shared between policies (namespaced by policy name by convention). */
  readonly locals: Map<string, unknown>;
  /** The policy currently evaluating (set by the pipeline, for helpers that record trace data). */
  currentPolicy?: PolicyRef;
  /**
   * Records a fact about this request for call logs and analytics (e.g. `ai` → provider, model,
   * tokens, cost). Kept on the finished trace as `annotations[key]`.
   */
  annotate(key: string, value: unknown): void;
}
