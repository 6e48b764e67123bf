import { isPolicyResponse, runRequestPhases, startExecution, type Execution, type Halt } from '../core/pipeline.js';
import type { ErrorDialect, ProblemFieldError } from '../core/problem.js';
import type { PolicyRef } from '../core/trace.js';
import type { GatewayRequestContext } from './request-context.js';
import { invalidPathReason } from './path-check.js';
import type { CompiledRoute, Snapshot } from './snapshot.js';

/** What the gateway decided before any upstream is involved. */
export type Evaluation =
  | {
      readonly kind: 'answer';
      readonly code: string;
      readonly detail: string;
      readonly headers?: Readonly<Record<string, string>>;
      readonly errors?: readonly ProblemFieldError[];
      readonly policy?: PolicyRef;
      readonly route?: CompiledRoute;
      readonly exec?: Execution;
      /** The error dialect when no route was entered (a 405: the dialect of the route whose path matched). */
      readonly dialect?: ErrorDialect;
    }
  | {
      /** A policy answered the request itself with a bodiless, non-error response (RespondDecision). */
      readonly kind: 'respond';
      readonly code: string;
      readonly detail: string;
      readonly headers?: Readonly<Record<string, string>>;
      readonly policy: PolicyRef;
      readonly route: CompiledRoute;
      readonly exec: Execution;
    }
  | { readonly kind: 'forward'; readonly route: CompiledRoute; readonly exec: Execution; readonly params: Readonly<Record<string, string | undefined>>; readonly rest: string | undefined };

/**
 * Routing and the request phases, shared by the data plane and the simulator. Synchronous unless a
 * policy is asynchronous.
 */
export function evaluate(snap: Snapshot, ctx: GatewayRequestContext): Evaluation | Promise<Evaluation> {
  const bad = invalidPathReason(ctx.path);
  if (bad) {
    ctx.trace.add({ step: 'route', phase: 'route', outcome: 'deny', code: 'request.invalid_path', detail: `path ${bad}`, data: { path: ctx.path }, ms: 0 });
    return { kind: 'answer', code: 'request.invalid_path', detail: `The request path ${bad}.` };
  }
  const m = snap.router.find(ctx.method, ctx.path, ctx.host, ctx.headers);
  if (m.kind === 'not_found') {
    ctx.trace.add({ step: 'route', phase: 'route', outcome: 'deny', code: 'route.not_found', detail: `no route for ${ctx.method} ${ctx.path}${ctx.host ? ` (host ${ctx.host})` : ''}`, ms: 0 });
    return { kind: 'answer', code: 'route.not_found', detail: `No route matches ${ctx.method} ${ctx.path}.` };
  }
  if (m.kind === 'method_not_allowed') {
    const allow = m.allow.join(', ');
    ctx.trace.add({ step: 'route', phase: 'route', outcome: 'deny', code: 'route.method_not_allowed', detail: `${ctx.method} not allowed; route allows ${allow}`, data: { allow: m.allow, route: m.entry.payload.id }, ms: 0 });
    return { kind: 'answer', code: 'route.method_not_allowed', detail: `Method ${ctx.method} is not allowed here. Allowed: ${allow}.`, headers: { allow }, dialect: m.entry.payload.dialect };
  }
  const route = m.entry.payload;
  ctx.route = { id: route.id, serviceId: route.service.id, params: m.params, tags: route.tags };
  ctx.trace.add(route.entered);
  const exec = startExecution(route.chain);
  const r = runRequestPhases(ctx, exec, snap.consumerPolicies);
  if (r instanceof Promise) return r.then((d) => decide(d, route, exec, m.params, m.rest));
  return decide(r, route, exec, m.params, m.rest);
}

function decide(
  halt: Halt | undefined,
  route: CompiledRoute,
  exec: Execution,
  params: Readonly<Record<string, string | undefined>>,
  rest: string | undefined,
): Evaluation {
  if (!halt) return { kind: 'forward', route, exec, params, rest };
  if (isPolicyResponse(halt)) {
    const r = halt.decision;
    return { kind: 'respond', code: r.code, detail: r.detail, headers: r.headers, policy: halt.policy, route, exec };
  }
  const d = halt.decision;
  return { kind: 'answer', code: d.code, detail: d.detail, headers: d.headers, errors: d.errors, policy: halt.policy, route, exec };
}
