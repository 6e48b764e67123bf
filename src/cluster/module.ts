import type { SluiceModule } from '../app/module.js';
import { COUNTERS_SERVICE } from '../core/counters.js';
import { MemoryCounters } from './memory-counters.js';
import { RedisCounters } from './redis-counters.js';
import { connectRedis, parseRedisUrl, waitReady } from './redis.js';

/**
 * Shared state for the traffic policies: provides the `counters` service, in this process by
 * default, in Redis when the operator passes `--redis` (so every instance shares one budget).
 * Startup waits briefly for Redis but never fails on it: the policies fail open or closed instead.
 */
export const clusterModule: SluiceModule = {
  name: 'cluster',
  async setup(s) {
    if (!s.redisUrl) {
      s.provide(COUNTERS_SERVICE, new MemoryCounters());
      return;
    }
    const target = parseRedisUrl(s.redisUrl);
    const log = s.log.child({ component: 'cluster' });
    const client = connectRedis(target, log);
    const counters = new RedisCounters(client, target.prefix, log);
    s.provide(COUNTERS_SERVICE, counters);
    s.onClose(async () => {
      counters.close();
      await client.quit().catch(() => client.disconnect());
    });
    await waitReady(client, 2000);
  },
};
