import type { ServerResponse } from 'node:http';
import type { Execution } from '../core/pipeline.js';
import { runResponseHooks } from '../core/pipeline.js';
import { buildProblem, type ErrorDialect, type ProblemFieldError } from '../core/problem.js';
import type { ReasonTable } from '../core/reasons.js';
import type { PolicyRef } from '../core/trace.js';
import type { GatewayRequestContext } from './request-context.js';
import { FlatResponseInfo, mergeFlatHeaders } from './response-info.js';

export interface AnswerInput {
  readonly code: string;
  readonly detail: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** The problem's `errors` member (offending fields). */
  readonly errors?: readonly ProblemFieldError[];
  readonly policy?: PolicyRef;
  readonly exec?: Execution;
  /** Overrides the reason's status (e.g. a service kind mapping an upstream status). */
  readonly status?: number;
}

export interface RenderedAnswer {
  readonly status: number;
  /** Flat `[name, value, …]`. */
  readonly headers: string[];
  readonly body: string;
}

/**
 * A response the gateway itself produces (denial, no route, upstream failure) in the route's
 * dialect: status from the reason table, request id, the deciding policy, and the headers policies
 * asked for (their response hooks run here too).
 */
export function renderAnswer(
  ctx: GatewayRequestContext,
  reasons: ReasonTable,
  configVersion: number,
  dialect: ErrorDialect,
  a: AnswerInput,
): RenderedAnswer {
  const reason = reasons.get(a.code) ?? reasons.require('gateway.internal_error');
  const problem = buildProblem(reason, a.detail, ctx.id, configVersion, a.policy, a.errors);
  const status = a.status ?? reason.status;
  const rendered = dialect(status === reason.status ? problem : { ...problem, status });
  const headers: string[] = [
    'content-type', rendered.contentType,
    'content-length', String(Buffer.byteLength(rendered.body)),
    'cache-control', 'no-store',
    'x-request-id', ctx.id,
  ];
  if (rendered.headers) for (const k in rendered.headers) headers.push(k, rendered.headers[k]!);
  if (a.headers) for (const k in a.headers) headers.push(k, a.headers[k]!);
  mergeFlatHeaders(headers, ctx.responseHeaders);
  if (a.exec) runResponseHooks(ctx, a.exec, new FlatResponseInfo(status, 'gateway', reason.code, headers));
  return { status, headers, body: rendered.body };
}

/**
 * Largest unread request body Node may drain (and discard) after an answer, keeping the connection:
 * a denied SDK call (a JSON body of a few KB) should not cost the client a new connection. Larger or
 * chunked bodies would be read byte by byte for nothing: the connection is closed instead.
 */
const DRAIN_LIMIT = 64 * 1024;

function closesConnection(ctx: GatewayRequestContext): boolean {
  if (!ctx.hasBody || ctx.bodySource.complete()) return false;
  const len = ctx.contentLength;
  return len === undefined || len > DRAIN_LIMIT;
}

/** Renders and writes a gateway answer; returns the status and body size. */
export function writeAnswer(
  res: ServerResponse,
  ctx: GatewayRequestContext,
  reasons: ReasonTable,
  configVersion: number,
  dialect: ErrorDialect,
  a: AnswerInput,
): { status: number; bytes: number } {
  const r = renderAnswer(ctx, reasons, configVersion, dialect, a);
  const bytes = Buffer.byteLength(r.body);
  if (closesConnection(ctx)) r.headers.push('connection', 'close');
  if (res.destroyed || res.headersSent) return { status: r.status, bytes: 0 };
  res.writeHead(r.status, r.headers);
  res.end(r.body);
  return { status: r.status, bytes };
}

/** A bodiless answer a policy produced itself (RespondDecision): status from the reason table. */
export interface ResponseInput {
  readonly code: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly exec?: Execution;
}

/**
 * Renders a policy's own non-error answer (a CORS preflight…): no body, the request id, the
 * policy's headers and those of the response hooks of every evaluated policy.
 */
export function renderResponse(ctx: GatewayRequestContext, reasons: ReasonTable, a: ResponseInput): RenderedAnswer {
  const reason = reasons.require(a.code);
  const status = reason.status;
  // RFC 9110 §8.6: no Content-Length in a 204 or 304.
  const headers: string[] = status === 204 || status === 304 ? ['x-request-id', ctx.id] : ['content-length', '0', 'x-request-id', ctx.id];
  if (a.headers) for (const k in a.headers) headers.push(k, a.headers[k]!);
  mergeFlatHeaders(headers, ctx.responseHeaders);
  if (a.exec) runResponseHooks(ctx, a.exec, new FlatResponseInfo(status, 'gateway', reason.code, headers));
  return { status, headers, body: '' };
}

/** Renders and writes a policy's own answer; returns its status. */
export function writeResponse(res: ServerResponse, ctx: GatewayRequestContext, reasons: ReasonTable, a: ResponseInput): { status: number } {
  const r = renderResponse(ctx, reasons, a);
  if (closesConnection(ctx)) r.headers.push('connection', 'close');
  if (res.destroyed || res.headersSent) return { status: r.status };
  res.writeHead(r.status, r.headers);
  res.end();
  return { status: r.status };
}
