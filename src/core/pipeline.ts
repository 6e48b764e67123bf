import type { Chain, PolicyAttachment, PolicyStep } from './chain.js';
import { now } from './clock.js';
import { BodyAbortedError, BodyTooLargeError, type RequestContext } from './context.js';
import type { Decision, DenyDecision, FinishInfo, RespondDecision, ResponseInfo } from './policy.js';
import type { PolicyRef } from './trace.js';

/** The policy (or gateway check) that refused the request, with its decision. */
export interface Denial {
  readonly decision: DenyDecision;
  readonly policy?: PolicyRef;
}

/** A policy that answered the request itself (RespondDecision): nothing further runs. */
export interface PolicyResponse {
  readonly decision: RespondDecision;
  readonly policy: PolicyRef;
}

/** Why the request phases stopped early: an enforced denial, or a policy's own answer. */
export type Halt = Denial | PolicyResponse;

export function isPolicyResponse(h: Halt): h is PolicyResponse {
  return h.decision.outcome === 'respond';
}

/** Looks up the consumer-scoped attachments of a consumer (empty when it has none). */
export type ConsumerPolicies = (consumerId: string) => readonly PolicyAttachment[] | undefined;

/** Per-request progress through a chain: which steps ran (their response hooks then run too). */
export interface Execution {
  chain: Chain;
  /** Number of steps evaluated (index of the next step). */
  reached: number;
  /** Whether the consumer-specific chain was looked up (once, when `authorize` starts). */
  switched: boolean;
}

export function startExecution(chain: Chain): Execution {
  return { chain, reached: 0, switched: false };
}

function isPromise<T>(v: T | Promise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown } | null)?.then === 'function';
}

/** Turns a policy's exception into a fail-closed decision; body errors get their own codes. */
function failure(err: unknown, step: PolicyStep): DenyDecision {
  if (err instanceof BodyTooLargeError) {
    return { outcome: 'deny', code: 'request.body_too_large', detail: `Request body exceeds the ${err.limit}-byte limit ${step.ref.name} may buffer.`, data: { limit: err.limit } };
  }
  if (err instanceof BodyAbortedError) {
    return { outcome: 'deny', code: 'request.body_aborted', detail: 'The request body was not received completely.' };
  }
  return {
    outcome: 'deny',
    code: 'policy.error',
    detail: `Policy ${step.ref.id} failed; the request was refused.`,
    data: { error: err instanceof Error ? err.message : String(err) },
  };
}

/** Records the decision; returns the denial or answer when it is enforced. */
function record(ctx: RequestContext, step: PolicyStep, d: Decision, ms: number, errored: boolean): Halt | undefined {
  if (d.outcome === 'respond') {
    const enforced = !step.shadow;
    ctx.trace.add({ policy: step.ref, phase: step.phase, outcome: 'respond', code: d.code, detail: d.detail, enforced, data: d.data, ms });
    return enforced ? { decision: d, policy: step.ref } : undefined;
  }
  if (d.outcome === 'deny') {
    const enforced = !step.shadow;
    ctx.trace.add({
      policy: step.ref,
      phase: step.phase,
      outcome: errored ? 'error' : 'deny',
      code: d.code,
      detail: d.detail,
      enforced,
      data: d.data,
      ms,
    });
    return enforced ? { decision: d, policy: step.ref } : undefined;
  }
  ctx.trace.add({ policy: step.ref, phase: step.phase, outcome: d.outcome, code: d.code, detail: d.detail, data: d.data, ms });
  return undefined;
}

/**
 * Runs the request phases of a chain. Stays synchronous while policies answer synchronously
 * (the common case) and continues asynchronously from the first promise.
 * Returns the enforced denial or a policy's own answer, or undefined when every policy allowed or skipped.
 */
export function runRequestPhases(
  ctx: RequestContext,
  exec: Execution,
  consumerPolicies: ConsumerPolicies,
): Halt | undefined | Promise<Halt | undefined> {
  for (const e of exec.chain.preface) ctx.trace.add(e);
  return continueFrom(ctx, exec, consumerPolicies);
}

function continueFrom(
  ctx: RequestContext,
  exec: Execution,
  consumerPolicies: ConsumerPolicies,
): Halt | undefined | Promise<Halt | undefined> {
  for (;;) {
    if (!exec.switched && exec.reached === exec.chain.authorizeStart) {
      exec.switched = true;
      switchToConsumerChain(ctx, exec, consumerPolicies);
    }
    if (exec.reached >= exec.chain.steps.length) break;
    const step = exec.chain.steps[exec.reached]!;
    exec.reached++;
    ctx.currentPolicy = step.ref;
    const t0 = now();
    let result: Decision | Promise<Decision>;
    try {
      result = step.instance.evaluate(ctx);
    } catch (err) {
      return record(ctx, step, failure(err, step), now() - t0, true);
    }
    if (isPromise(result)) {
      return result.then(
        (d) => record(ctx, step, d, now() - t0, false) ?? continueFrom(ctx, exec, consumerPolicies),
        (err: unknown) => record(ctx, step, failure(err, step), now() - t0, true),
      );
    }
    const denial = record(ctx, step, result, now() - t0, false);
    if (denial) return denial;
  }
  ctx.currentPolicy = undefined;
  return undefined;
}

function switchToConsumerChain(ctx: RequestContext, exec: Execution, consumerPolicies: ConsumerPolicies): void {
  const consumer = ctx.consumer;
  if (!consumer) return;
  const atts = consumerPolicies(consumer.id);
  if (!atts || atts.length === 0) return;
  const merged = exec.chain.forConsumer(consumer.id, atts);
  // Overrides decided by the merge are recorded once, when the switch happens.
  for (let i = exec.chain.preface.length; i < merged.preface.length; i++) ctx.trace.add(merged.preface[i]!);
  exec.chain = merged;
}

/** Response phase: every policy that was evaluated may add headers (rate-limit, CORS…). */
export function runResponseHooks(ctx: RequestContext, exec: Execution, res: ResponseInfo): void {
  const steps = exec.chain.steps;
  for (let i = 0; i < exec.reached; i++) {
    const step = steps[i]!;
    if (!step.instance.onResponse) continue;
    try {
      step.instance.onResponse(ctx, res);
    } catch (err) {
      ctx.trace.add({ policy: step.ref, phase: 'response', outcome: 'error', code: 'policy.error', detail: err instanceof Error ? err.message : String(err), ms: 0 });
    }
  }
}

/** Called once per request when it is over, for every evaluated policy that asks. */
export function runFinishHooks(ctx: RequestContext, exec: Execution, info: FinishInfo): void {
  const steps = exec.chain.steps;
  for (let i = 0; i < exec.reached; i++) {
    const step = steps[i]!;
    if (!step.instance.onFinish) continue;
    try {
      step.instance.onFinish(ctx, info);
    } catch (err) {
      ctx.trace.add({ policy: step.ref, phase: 'log', outcome: 'error', code: 'policy.error', detail: err instanceof Error ? err.message : String(err), ms: 0 });
    }
  }
}
