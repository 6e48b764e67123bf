import type { TSchema } from '@sinclair/typebox';
import type { RequestContext } from './context.js';
import type { CompileContext } from './policy.js';
import type { ClientSignal } from './client-signal.js';
import type { ProblemFieldError } from './problem.js';

/** A streaming response the handler writes; backpressure via the promise of `write`. */
export interface ResponseWriter {
  /** Resolves when the chunk was accepted (waits for drain under backpressure). */
  write(chunk: Uint8Array | string): Promise<void>;
  end(chunk?: Uint8Array | string): void;
  /** True once the client went away. */
  readonly closed: boolean;
}

/** Outcome of a handled exchange, for the trace, logs and finish hooks. */
export interface ExchangeResult {
  readonly status: number;
  readonly answeredBy: 'gateway' | 'upstream';
  /** Reason code when the handler produced an error response. */
  readonly code?: string;
}

/** What a non-HTTP service handler gets for one request. */
export interface ServiceExchange {
  readonly ctx: RequestContext;
  /** Aborted when the client disconnects (abort upstream work then). */
  readonly signal: ClientSignal;
  /** Buffer the request body (bounded), as `ctx.readBody`. */
  readBody(limit: number): Promise<Uint8Array>;
  /**
   * W3C traceparent for the calls this service makes upstream, continuing the gateway's request span
   * (as the HTTP proxy sends it); undefined when tracing is off.
   */
  readonly traceparent?: string;
  /** Start the response. Response-phase policies run before the headers are written. */
  respond(status: number, headers: Record<string, string>): ResponseWriter;
  /**
   * Answer with a gateway error in the route's dialect (problem+json, OpenAI, Anthropic…).
   * `code` must be in a reason table; `errors` names the offending request fields.
   */
  fail(code: string, detail: string, extra?: { headers?: Record<string, string>; status?: number; errors?: readonly ProblemFieldError[] }): ExchangeResult;
}

/** A compiled service of a non-HTTP kind. */
export interface ServiceHandler {
  handle(exchange: ServiceExchange): Promise<ExchangeResult>;
  close?(): void | Promise<void>;
}

/**
 * A kind of service other than the built-in HTTP proxy (`http`), e.g. `ai`. Its `config` on the service
 * is validated by `schema`; `compile` runs once per config version.
 */
export interface ServiceKindDefinition<C = unknown> {
  readonly kind: string;
  readonly summary: string;
  readonly schema: TSchema;
  /** Error dialect for routes of this kind that do not set `error_format`. */
  defaultErrorFormat?(routePaths: readonly string[]): string | undefined;
  compile(config: C, ctx: ServiceCompileContext): ServiceHandler;
}

/** What a service kind's `compile` gets: the policy compile context, the service id, and module sections. */
export interface ServiceCompileContext extends CompileContext {
  readonly serviceId: string;
  /**
   * A module's top-level config section of this config version (e.g. `ai`), as validated by its
   * ConfigSection schema; undefined when the document has none. The same object for every service of
   * one version, so a kind may compile it once per version.
   */
  section(key: string): unknown;
}
