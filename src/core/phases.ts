/**
 * The named phases of a request, in order. A policy declares one; the pipeline runs phases in this order.
 * Cheap checks that need no identity (`guard`) run before `authenticate`, so a banned IP without a
 * credential gets 403, not 401. See docs/lifecycle.md.
 */
export const REQUEST_PHASES = ['guard', 'authenticate', 'authorize', 'limit', 'validate', 'transform'] as const;
export type RequestPhase = (typeof REQUEST_PHASES)[number];

/** Phases that run after the upstream (or the gateway) produced a response. */
export const RESPONSE_PHASES = ['response', 'log'] as const;
export type ResponsePhase = (typeof RESPONSE_PHASES)[number];

export type Phase = RequestPhase;

/** Gateway steps that are not policies but still appear in the decision trace. */
export type GatewayStep = 'route' | 'upstream' | 'gateway';

const ORDER = new Map<string, number>(REQUEST_PHASES.map((p, i) => [p, i]));

export function phaseIndex(phase: RequestPhase): number {
  return ORDER.get(phase) ?? 0;
}

/** Consumer-scoped policies can only run once a consumer is known: never earlier than `authorize`. */
export function effectivePhaseForConsumer(phase: RequestPhase): RequestPhase {
  return phaseIndex(phase) < phaseIndex('authorize') ? 'authorize' : phase;
}
