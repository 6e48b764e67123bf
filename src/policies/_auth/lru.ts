/**
 * A size-capped map with per-entry expiry and least-recently-used eviction. No timers: expired
 * entries are dropped when read and, a few at a time, from the old end on every write.
 */
export class BoundedCache<V> {
  private readonly map = new Map<string, { value: V; expires: number }>();

  constructor(private max: number) {}

  get size(): number {
    return this.map.size;
  }

  /** Changes the cap (config reloads); shrinking evicts the oldest entries. */
  resize(max: number): void {
    this.max = max;
    this.evict();
  }

  /** The live value, refreshed as most recently used. */
  get(key: string, now: number): V | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    this.map.delete(key);
    if (e.expires <= now) return undefined;
    this.map.set(key, e);
    return e.value;
  }

  /** The live value without touching its recency. */
  peek(key: string, now: number): V | undefined {
    const e = this.map.get(key);
    return e && e.expires > now ? e.value : undefined;
  }

  /** Stores a value until `expires` (ms since the epoch); returns how many entries were evicted to stay under the cap. */
  set(key: string, value: V, expires: number, now: number): number {
    this.map.delete(key);
    this.map.set(key, { value, expires });
    this.sweep(now);
    return this.evict();
  }

  delete(key: string): void {
    this.map.delete(key);
  }

  clear(): void {
    this.map.clear();
  }

  private sweep(now: number): void {
    let budget = 4;
    for (const [k, e] of this.map) {
      if (budget-- === 0 || e.expires > now) break;
      this.map.delete(k);
    }
  }

  private evict(): number {
    let evicted = 0;
    while (this.map.size > this.max) {
      const oldest = this.map.keys().next().value as string;
      this.map.delete(oldest);
      evicted++;
    }
    return evicted;
  }
}
