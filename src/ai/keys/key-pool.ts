import { byPriority, pickWeighted } from '../routing/weighted.js';

/**
 * What happened to a key, kept across config versions while its secret is unchanged. Rate limits
 * are per model at OpenAI, Anthropic, Azure (deployments) and most vendors, so a 429 rests the key for
 * that upstream model only; an exhausted quota (billing) rests it for every model.
 */
export class KeyHealth {
  /** Set when the provider answered 401/403: the key stays out until the config brings a new secret. */
  disabled: { readonly at: number; readonly status: number; readonly message: string } | undefined;
  /** The key is not used for any model before this time (ms since the epoch): quota exhausted. */
  coolUntil = 0;
  /** Per upstream model: not used for that model before this time, after a 429. */
  private readonly modelCool = new Map<string, number>();
  requests = 0;
  rateLimited = 0;

  /** When the key is usable again for `model` (0 or a past time: now). */
  coolUntilFor(model?: string): number {
    const m = model === undefined ? 0 : (this.modelCool.get(model) ?? 0);
    return Math.max(this.coolUntil, m);
  }

  coolModel(model: string, until: number, now: number): void {
    for (const [k, t] of this.modelCool) if (t <= now) this.modelCool.delete(k);
    this.modelCool.set(model, Math.max(this.modelCool.get(model) ?? 0, until));
  }

  /** Models this key rests for at `now`, with the time each is usable again. */
  coolingModels(now: number): [string, number][] {
    return [...this.modelCool].filter(([, t]) => t > now);
  }

  usable(now: number, model?: string): boolean {
    return this.disabled === undefined && this.coolUntilFor(model) <= now;
  }
}

/** One credential of a provider, compiled. `material` is what the adapter needs (never logged). */
export interface ProviderKey<M = unknown> {
  readonly id: string;
  readonly weight: number;
  readonly priority: number;
  readonly health: KeyHealth;
  readonly material: M;
}

/**
 * The keys of one provider: weighted within a priority, lowest priority first. A key answered 401/403
 * is disabled; one answered 429 cools down for `retry-after` (or the configured default).
 */
export class KeyPool<M = unknown> {
  readonly keys: readonly ProviderKey<M>[];

  constructor(keys: readonly ProviderKey<M>[]) {
    this.keys = byPriority(keys);
  }

  /** A usable key for `model` (the upstream model id; omitted: key-wide state only). */
  pick(now: number, exclude?: ReadonlySet<ProviderKey<M>>, random?: () => number, model?: string): ProviderKey<M> | undefined {
    if (this.keys.length === 1) {
      const k = this.keys[0]!;
      return k.weight > 0 && k.health.usable(now, model) && !exclude?.has(k) ? k : undefined;
    }
    return pickWeighted(this.keys, (k) => k.health.usable(now, model) && !exclude?.has(k), random);
  }

  /** Earliest time a cooling (not disabled) key is usable again for `model`; undefined when every key is disabled. */
  nextUsableAt(model?: string): number | undefined {
    let t: number | undefined;
    for (const k of this.keys) {
      if (k.health.disabled || k.weight === 0) continue;
      const u = k.health.coolUntilFor(model);
      if (t === undefined || u < t) t = u;
    }
    return t;
  }

  get allDisabled(): boolean {
    return this.keys.every((k) => k.health.disabled !== undefined || k.weight === 0);
  }
}
