import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { parseDuration } from '../core/duration.js';

export interface RedisTarget {
  /** The URL handed to ioredis (Sluice's own query parameters removed). */
  readonly url: string;
  /** Prefix of every key Sluice writes (`?prefix=`; default `sluice:`). */
  readonly prefix: string;
  /** How long one command may take before the policy treats Redis as unreachable (`?timeout=`; default 250ms). */
  readonly timeoutMs: number;
}

/** `redis://host:6379/0?prefix=team-a:&timeout=100ms`: Sluice reads `prefix` and `timeout`, ioredis the rest. */
export function parseRedisUrl(raw: string): RedisTarget {
  const u = new URL(raw);
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new Error(`--redis must be a redis:// or rediss:// URL (got ${u.protocol})`);
  const prefix = u.searchParams.get('prefix') ?? 'sluice:';
  const timeout = u.searchParams.get('timeout');
  const timeoutMs = timeout === null ? 250 : parseDuration(/^\d+$/.test(timeout) ? Number(timeout) : timeout);
  if (timeoutMs === undefined || timeoutMs <= 0) throw new Error(`--redis timeout must be a duration such as 100ms (got ${timeout ?? ''})`);
  u.searchParams.delete('prefix');
  u.searchParams.delete('timeout');
  return { url: u.toString(), prefix, timeoutMs };
}

/**
 * A Redis connection for per-request decisions: commands issued in the same tick share one write
 * (auto-pipelining); while disconnected, commands fail at once instead of queueing, and a slow
 * command fails after `timeoutMs`, so a policy can fail open or closed without stalling requests.
 */
export function connectRedis(target: RedisTarget, log: Logger): Redis {
  const client = new Redis(target.url, {
    enableAutoPipelining: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: target.timeoutMs,
    connectTimeout: Math.max(1000, target.timeoutMs * 4),
    retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 6), 2000),
    lazyConnect: false,
  });
  let healthy: boolean | undefined;
  client.on('ready', () => {
    if (healthy !== true) log.info({ redis: redact(target.url) }, 'redis connected');
    healthy = true;
  });
  client.on('error', (err: Error) => {
    // ioredis repeats the error on every reconnect attempt; log once per outage.
    if (healthy !== false) log.warn({ redis: redact(target.url), err: err.message }, 'redis unreachable; traffic policies fail open or closed as configured');
    healthy = false;
  });
  return client;
}

/**
 * Resolves true when the client is ready, false on the first connection error or after `ms`, so
 * startup never hangs on a dead Redis (it keeps reconnecting in the background).
 */
export function waitReady(client: Redis, ms: number): Promise<boolean> {
  if (client.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      client.removeListener('ready', onReady);
      client.removeListener('error', onError);
      resolve(ok);
    };
    const onReady = () => done(true);
    const onError = () => done(false);
    const timer = setTimeout(() => done(false), ms);
    client.once('ready', onReady);
    client.once('error', onError);
  });
}

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}
