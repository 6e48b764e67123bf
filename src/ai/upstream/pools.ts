import { Pool } from 'undici';

export interface PoolSettings {
  readonly connectTimeoutMs: number;
  readonly connections: number;
  readonly keepAliveMs: number;
}

/**
 * undici keep-alive pools per provider origin, shared by every config version and service of one
 * gateway: a reload keeps warm connections. Closed when the gateway stops.
 */
export class ProviderPools {
  private readonly pools = new Map<string, Pool>();

  get(origin: string, s: PoolSettings): Pool {
    const key = `${origin}|${s.connectTimeoutMs}|${s.connections}|${s.keepAliveMs}`;
    let p = this.pools.get(key);
    if (!p) {
      p = new Pool(origin, {
        connections: s.connections,
        keepAliveTimeout: s.keepAliveMs,
        keepAliveMaxTimeout: Math.max(s.keepAliveMs, 600_000),
        connect: { timeout: s.connectTimeoutMs },
        // Attempt, first-token and overall timeouts are enforced per request by the router.
        headersTimeout: 0,
        bodyTimeout: 0,
        pipelining: 1,
      });
      this.pools.set(key, p);
    }
    return p;
  }

  get size(): number {
    return this.pools.size;
  }

  async close(): Promise<void> {
    const all = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(all.map((p) => p.close().catch(() => p.destroy())));
  }
}
