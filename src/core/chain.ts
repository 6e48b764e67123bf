import { effectivePhaseForConsumer, phaseIndex, type RequestPhase } from './phases.js';
import type { PolicyInstance } from './policy.js';
import type { PolicyRef, PolicyScope, TraceEntry } from './trace.js';

/** One compiled policy instance in a chain. */
export interface PolicyStep {
  readonly ref: PolicyRef;
  readonly phase: RequestPhase;
  readonly priority: number;
  /** Shadow mode: evaluate and record, never enforce. */
  readonly shadow: boolean;
  readonly instance: PolicyInstance;
}

/** A configured policy attachment before chain resolution. */
export interface PolicyAttachment {
  readonly step: PolicyStep;
  /** `enabled: false` at a more specific scope switches the same-named policy off. */
  readonly enabled: boolean;
}

const SCOPE_RANK: Record<PolicyScope, number> = { global: 0, service: 1, route: 2, consumer: 3 };

/**
 * The ordered policies that apply to one route (and, once merged, one consumer). Built once per
 * config version; requests only iterate it.
 */
export class Chain {
  /** Index of the first step at or after the `authorize` phase (where consumer policies merge in). */
  readonly authorizeStart: number;
  private readonly merged = new Map<string, Chain>();

  constructor(
    readonly steps: readonly PolicyStep[],
    /** Trace lines recorded on every request: overridden or disabled policies, and why. */
    readonly preface: readonly TraceEntry[],
  ) {
    const i = steps.findIndex((s) => phaseIndex(s.phase) >= phaseIndex('authorize'));
    this.authorizeStart = i === -1 ? steps.length : i;
  }

  /**
   * The chain to continue with once `consumerId` is known. Consumer policies replace same-named
   * policies that have not run yet; those whose own phase is already past run in `authorize`
   * in addition (e.g. a consumer-specific IP list after the global one).
   */
  forConsumer(consumerId: string, consumerSteps: readonly PolicyAttachment[]): Chain {
    const cached = this.merged.get(consumerId);
    if (cached) return cached;
    const head = this.steps.slice(0, this.authorizeStart);
    let tail = this.steps.slice(this.authorizeStart);
    const preface = [...this.preface];
    for (const att of consumerSteps) {
      const s = att.step;
      const replaced = tail.find((t) => t.ref.name === s.ref.name);
      if (replaced) {
        tail = tail.filter((t) => t !== replaced);
        preface.push(overriddenEntry(replaced, s.ref));
      }
      if (!att.enabled) {
        preface.push(disabledEntry(s.ref));
        continue;
      }
      tail.push({ ...s, phase: effectivePhaseForConsumer(s.phase) });
    }
    const chain = new Chain([...head, ...sortSteps(tail)], preface);
    this.merged.set(consumerId, chain);
    return chain;
  }
}

export function sortSteps(steps: PolicyStep[]): PolicyStep[] {
  return steps.sort(
    (a, b) =>
      phaseIndex(a.phase) - phaseIndex(b.phase) ||
      a.priority - b.priority ||
      SCOPE_RANK[a.ref.scope] - SCOPE_RANK[b.ref.scope] ||
      a.ref.id.localeCompare(b.ref.id),
  );
}

/**
 * Resolve global → service → route attachments into one chain: per policy name the most specific
 * scope wins (as in Kong); the losers appear in the trace as skipped, naming the winner.
 */
export function buildChain(attachments: readonly PolicyAttachment[]): Chain {
  const byName = new Map<string, PolicyAttachment>();
  const preface: TraceEntry[] = [];
  for (const att of attachments) {
    const prev = byName.get(att.step.ref.name);
    if (!prev) {
      byName.set(att.step.ref.name, att);
      continue;
    }
    const [winner, loser] =
      SCOPE_RANK[att.step.ref.scope] >= SCOPE_RANK[prev.step.ref.scope] ? [att, prev] : [prev, att];
    byName.set(att.step.ref.name, winner);
    if (loser.enabled) preface.push(overriddenEntry(loser.step, winner.step.ref));
  }
  const steps: PolicyStep[] = [];
  for (const att of byName.values()) {
    if (att.enabled) steps.push(att.step);
    else preface.push(disabledEntry(att.step.ref));
  }
  return new Chain(sortSteps(steps), preface);
}

function overriddenEntry(loser: PolicyStep, winner: PolicyRef): TraceEntry {
  return Object.freeze({
    policy: loser.ref,
    phase: loser.phase,
    outcome: 'skip',
    code: 'policy.overridden',
    detail: `overridden by ${winner.scope} policy ${winner.id}`,
    ms: 0,
  });
}

function disabledEntry(ref: PolicyRef): TraceEntry {
  return Object.freeze({
    policy: ref,
    phase: 'guard',
    outcome: 'skip',
    code: 'policy.disabled',
    detail: `${ref.name} switched off at ${ref.scope} scope (enabled: false)`,
    ms: 0,
  });
}
