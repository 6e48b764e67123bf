import { Pool } from 'undici';

export interface PoolSettings {
  readonly connectTimeoutMs: number;
  readonly connections: number;
  readonly keepAliveMs: number;
}

/** One config version's use of a pool; `release` is idempotent. */
export interface PoolLease {
  readonly pool: Pool;
  release(): void;
}

interface Entry {
  readonly pool: Pool;
  users: number;
}

/**
 * undici keep-alive pools per provider origin, shared by every config version and service of one
 * gateway: a reload that keeps a provider keeps its warm connections. Counted like the gateway's
 * upstream pools: a pool is closed (gracefully) when the last config version that used it retires,
 * so a provider removed or moved to another address does not keep a pool for the life of the process.
 */
export class ProviderPools {
  private readonly pools = new Map<string, Entry>();

  acquire(origin: string, s: PoolSettings): PoolLease {
    const key = `${origin}|${s.connectTimeoutMs}|${s.connections}|${s.keepAliveMs}`;
    let e = this.pools.get(key);
    if (!e) {
      e = {
        pool: new Pool(origin, {
          connections: s.connections,
          keepAliveTimeout: s.keepAliveMs,
          keepAliveMaxTimeout: Math.max(s.keepAliveMs, 600_000),
          connect: { timeout: s.connectTimeoutMs },
          // Attempt, first-token and overall timeouts are enforced per request by the router.
          headersTimeout: 0,
          bodyTimeout: 0,
          pipelining: 1,
        }),
        users: 0,
      };
      this.pools.set(key, e);
    }
    e.users++;
    const entry = e;
    let released = false;
    return {
      pool: entry.pool,
      release: () => {
        if (released) return;
        released = true;
        if (--entry.users > 0 || this.pools.get(key) !== entry) return;
        this.pools.delete(key);
        entry.pool.close().catch(() => undefined);
      },
    };
  }

  get size(): number {
    return this.pools.size;
  }

  async close(): Promise<void> {
    const all = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(all.map((e) => e.pool.close().catch(() => e.pool.destroy())));
  }
}
