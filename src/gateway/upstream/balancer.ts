import type { TargetState } from './target.js';

export interface WeightedTarget {
  readonly state: TargetState;
  readonly weight: number;
}

/** Picks a target among the available ones, skipping those already tried by this request. */
export interface Balancer<T extends WeightedTarget> {
  pick(now: number, exclude: readonly T[] | undefined): T | undefined;
}

/**
 * Smooth weighted round-robin (nginx's algorithm): spreads picks evenly in proportion to weight.
 * With equal weights it is plain round-robin.
 */
export class RoundRobin<T extends WeightedTarget> implements Balancer<T> {
  private readonly current: number[];
  private readonly total: number;

  constructor(private readonly targets: readonly T[]) {
    this.current = targets.map(() => 0);
    this.total = targets.reduce((s, t) => s + t.weight, 0);
  }

  pick(now: number, exclude: readonly T[] | undefined): T | undefined {
    const n = this.targets.length;
    if (n === 1) {
      const only = this.targets[0]!;
      return only.weight > 0 && only.state.available(now) && !exclude?.includes(only) ? only : undefined;
    }
    let best = -1;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const t = this.targets[i]!;
      if (t.weight === 0 || !t.state.available(now) || exclude?.includes(t)) continue;
      this.current[i]! += t.weight;
      total += t.weight;
      if (best === -1 || this.current[i]! > this.current[best]!) best = i;
    }
    if (best === -1) return undefined;
    this.current[best]! -= total || this.total;
    return this.targets[best];
  }
}

/** The available target with the fewest requests in flight (weight breaks ties by share). */
export class LeastConnections<T extends WeightedTarget> implements Balancer<T> {
  private rr = 0;

  constructor(private readonly targets: readonly T[]) {}

  pick(now: number, exclude: readonly T[] | undefined): T | undefined {
    let best: T | undefined;
    const n = this.targets.length;
    const start = this.rr++ % n;
    for (let k = 0; k < n; k++) {
      const t = this.targets[(start + k) % n]!;
      if (t.weight === 0 || !t.state.available(now) || exclude?.includes(t)) continue;
      if (!best || t.state.inflight / t.weight < best.state.inflight / best.weight) best = t;
    }
    return best;
  }
}
