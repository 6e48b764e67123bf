/**
 * State objects that outlive config versions (circuit breakers, key health), found again by key
 * when a new version compiles. Every compile looks up all the entries it uses, which moves them to
 * the young end; past `capacity`, the entries no recent compile looked up are dropped. A running
 * snapshot keeps the objects it holds: dropping one only means a later config that names it again
 * starts it fresh. Without the bound, every retired provider, model or rotated key would stay in
 * memory for the life of the process. Not the per-compile sweep of GoogleTokenSources (which must
 * let go of private keys early): a compile that fails or is only validated would then wipe the
 * health of keys the running config still uses, and revive a key disabled after a 401.
 */
export class StateRegistry<V> {
  private readonly items = new Map<string, V>();

  constructor(
    private readonly create: () => V,
    readonly capacity = 10_000,
  ) {}

  get(key: string): V {
    let v = this.items.get(key);
    if (v === undefined) v = this.create();
    else this.items.delete(key); // re-inserted below: Map order is insertion order, oldest first
    this.items.set(key, v);
    if (this.items.size > this.capacity) {
      const oldest = this.items.keys().next();
      if (!oldest.done) this.items.delete(oldest.value);
    }
    return v;
  }

  get size(): number {
    return this.items.size;
  }
}
