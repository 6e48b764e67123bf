import type { Pool } from 'undici';
import { PoolManager, type PoolOptions } from '../../gateway/upstream/pools.js';

/** One config version's use of a pool; `release` is idempotent. */
export interface PoolLease {
  readonly pool: Pool;
  release(): void;
}

/**
 * undici keep-alive pools per provider origin, shared by every config version and service of one
 * gateway: a reload that keeps a provider keeps its warm connections. Counted by the gateway's own
 * PoolManager (as its HTTP upstream pools are): a pool is closed (gracefully) when the last config
 * version that used it retires, so a provider removed or moved to another address does not keep a
 * pool for the life of the process.
 */
export class ProviderPools {
  private readonly pools = new PoolManager();

  acquire(origin: string, s: PoolOptions): PoolLease {
    const { pool, key } = this.pools.acquire(origin, s);
    let released = false;
    return {
      pool,
      release: () => {
        if (released) return;
        released = true;
        this.pools.release(key);
      },
    };
  }

  get size(): number {
    return this.pools.size;
  }

  close(): Promise<void> {
    return this.pools.closeAll();
  }
}
