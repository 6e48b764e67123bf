import type { GatewayStep, RequestPhase, ResponsePhase } from './phases.js';

export type PolicyScope = 'global' | 'service' | 'route' | 'consumer';

/** Who decided: the policy instance as the operator configured it. */
export interface PolicyRef {
  readonly id: string;
  readonly name: string;
  readonly scope: PolicyScope;
}

/** `respond`: the policy answered the request itself (e.g. a CORS preflight), see RespondDecision. */
export type Outcome = 'allow' | 'deny' | 'skip' | 'error' | 'respond';

/** One line of the decision trace: one policy evaluation or one gateway step. */
export interface TraceEntry {
  /** The policy evaluated; absent for gateway steps (routing, upstream attempts). */
  readonly policy?: PolicyRef;
  /** Gateway step name when this entry is not a policy. */
  readonly step?: GatewayStep;
  readonly phase: RequestPhase | ResponsePhase | GatewayStep;
  readonly outcome: Outcome;
  /** Reason code (for deny, error, and for allow/skip when the policy gives one). */
  readonly code?: string;
  /** Human-readable explanation for the operator (never a secret). */
  readonly detail?: string;
  /** For `deny` and `respond`: false when the policy runs in shadow mode (recorded, not enforced). */
  readonly enforced?: boolean;
  /** What the policy looked at (client ip, matched rule, counter values…), for `sluice explain`. */
  readonly data?: Readonly<Record<string, unknown>>;
  /** Wall time spent, milliseconds (fractional). */
  readonly ms: number;
}

/** Summary of a finished request, stored in the ring and (for denials) in the store. */
export interface RequestTrace {
  readonly requestId: string;
  /** Start of the request, ms since the epoch. */
  readonly timestamp: number;
  readonly configVersion: number;
  readonly method: string;
  readonly path: string;
  readonly host?: string;
  readonly clientIp: string;
  readonly routeId?: string;
  readonly serviceId?: string;
  readonly consumerId?: string;
  /** Id of the credential that authenticated the caller (never the secret). */
  readonly credentialId?: string;
  readonly status: number;
  /** Reason code of the gateway-produced response; absent when the upstream answered. */
  readonly code?: string;
  /** The policy that denied, when one did. */
  readonly decidedBy?: PolicyRef;
  readonly answeredBy: 'gateway' | 'upstream';
  readonly simulated: boolean;
  readonly durationMs: number;
  /** Request body bytes received (declared length, buffered length, or counted while streamed). */
  readonly bytesIn?: number;
  /** Response body bytes sent to the client. */
  readonly bytesOut?: number;
  /** Upstream exchange facts when the request was forwarded. */
  readonly upstream?: { readonly attempts: number; readonly firstByteMs?: number; readonly target?: string };
  /** Facts recorded by modules for logs and analytics (e.g. `ai`: provider, model, tokens, cost). */
  readonly annotations?: Readonly<Record<string, unknown>>;
  readonly entries: readonly TraceEntry[];
}

/**
 * Append-only list of what each policy and gateway step decided for one request.
 * Kept deliberately small: it is built on every request.
 */
export class DecisionTrace {
  readonly entries: TraceEntry[] = [];

  add(entry: TraceEntry): void {
    this.entries.push(entry);
  }

  /** The first enforced denial, if any. */
  denial(): TraceEntry | undefined {
    return this.entries.find((e) => e.outcome === 'deny' && e.enforced !== false);
  }
}
