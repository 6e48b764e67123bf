import { Pool } from 'undici';

export interface PoolOptions {
  readonly connectTimeoutMs: number;
  readonly connections: number;
  readonly keepAliveMs: number;
}

interface Entry {
  readonly pool: Pool;
  users: number;
}

/**
 * undici keep-alive pools shared by config versions: a reload that keeps a target keeps its warm
 * connections. A pool is closed (gracefully) when the last version using it is retired.
 */
export class PoolManager {
  private readonly pools = new Map<string, Entry>();

  acquire(origin: string, opts: PoolOptions): { pool: Pool; key: string } {
    const key = `${origin}|${opts.connectTimeoutMs}|${opts.connections}|${opts.keepAliveMs}`;
    let e = this.pools.get(key);
    if (!e) {
      e = {
        pool: new Pool(origin, {
          connections: opts.connections,
          keepAliveTimeout: opts.keepAliveMs,
          keepAliveMaxTimeout: Math.max(opts.keepAliveMs, 600_000),
          connect: { timeout: opts.connectTimeoutMs },
          // The proxy enforces first-byte and total timeouts per request.
          headersTimeout: 0,
          bodyTimeout: 0,
          pipelining: 1,
        }),
        users: 0,
      };
      this.pools.set(key, e);
    }
    e.users++;
    return { pool: e.pool, key };
  }

  release(key: string): void {
    const e = this.pools.get(key);
    if (!e) return;
    if (--e.users > 0) return;
    this.pools.delete(key);
    e.pool.close().catch(() => undefined);
  }

  async closeAll(): Promise<void> {
    const all = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(all.map((e) => e.pool.close().catch(() => e.pool.destroy())));
  }

  get size(): number {
    return this.pools.size;
  }
}
