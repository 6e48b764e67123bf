import { byPriority, pickWeighted } from '../routing/weighted.js';

/** What happened to a key, kept across config versions while its secret is unchanged. */
export class KeyHealth {
  /** Set when the provider answered 401/403: the key stays out until the config brings a new secret. */
  disabled: { readonly at: number; readonly status: number; readonly message: string } | undefined;
  /** The key is not used before this time (ms since the epoch), after a 429. */
  coolUntil = 0;
  requests = 0;
  rateLimited = 0;

  usable(now: number): boolean {
    return this.disabled === undefined && this.coolUntil <= now;
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

  pick(now: number, exclude?: ReadonlySet<ProviderKey<M>>, random?: () => number): ProviderKey<M> | undefined {
    if (this.keys.length === 1) {
      const k = this.keys[0]!;
      return k.weight > 0 && k.health.usable(now) && !exclude?.has(k) ? k : undefined;
    }
    return pickWeighted(this.keys, (k) => k.health.usable(now) && !exclude?.has(k), random);
  }

  /** Earliest time a cooling (not disabled) key is usable again; undefined when every key is disabled. */
  nextUsableAt(): number | undefined {
    let t: number | undefined;
    for (const k of this.keys) {
      if (k.health.disabled || k.weight === 0) continue;
      if (t === undefined || k.health.coolUntil < t) t = k.health.coolUntil;
    }
    return t;
  }

  get allDisabled(): boolean {
    return this.keys.every((k) => k.health.disabled !== undefined || k.weight === 0);
  }
}
