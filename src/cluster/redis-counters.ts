import { randomBytes } from 'node:crypto';
import type { Redis, Result } from 'ioredis';
import type {
  ConcurrencyOutcome,
  ConcurrencySlot,
  ConcurrencySpec,
  Counters,
  QuotaOutcome,
  QuotaSpec,
  QuotaState,
  RateOutcome,
  RateSpec,
  RateState,
} from '../core/counters.js';
import type { PolicyLogger } from '../core/policy.js';
import { compactPartition } from './memory-counters.js';
import { ACQUIRE_SCRIPT, QUOTA_SCRIPT, RATE_SCRIPT, RENEW_SCRIPT } from './scripts.js';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    sluiceRate(numKeys: number, ...args: (string | number)[]): Result<number[], Context>;
    sluiceQuota(numKeys: number, ...args: (string | number)[]): Result<number[], Context>;
    sluiceAcquire(key: string, consume: string, limit: number, leaseMs: number, member: string): Result<[number, number], Context>;
    sluiceRenew(key: string, member: string, leaseMs: number): Result<number, Context>;
  }
}

interface RedisSlot extends ConcurrencySlot {
  readonly key: string;
  readonly member: string;
  readonly leaseMs: number;
  renewAt: number;
}

/** Checks held leases this often; each is renewed when half of it has passed. */
const RENEW_TICK_MS = 500;

/**
 * Counters shared by every Sluice instance on one Redis: each decision is one EVALSHA (the script is
 * sent once, then called by hash; ioredis pipelines commands of the same tick). Errors (Redis down,
 * command timeout) reject, and the policy fails open or closed.
 */
export class RedisCounters implements Counters {
  readonly kind = 'redis' as const;
  private readonly held = new Set<RedisSlot>();
  private readonly instance = randomBytes(6).toString('hex');
  private seq = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly log?: PolicyLogger,
  ) {
    redis.defineCommand('sluiceRate', { lua: RATE_SCRIPT });
    redis.defineCommand('sluiceQuota', { lua: QUOTA_SCRIPT });
    redis.defineCommand('sluiceAcquire', { lua: ACQUIRE_SCRIPT, numberOfKeys: 1 });
    redis.defineCommand('sluiceRenew', { lua: RENEW_SCRIPT, numberOfKeys: 1 });
    this.timer = setInterval(() => this.renew(), RENEW_TICK_MS);
    this.timer.unref();
  }

  private key(kind: string, table: string, partition: string): string {
    return `${this.prefix}${kind}:${table}:${compactPartition(partition)}`;
  }

  async rate(specs: readonly RateSpec[], partitions: readonly string[], consume: boolean): Promise<RateOutcome> {
    const n = specs.length;
    const args: (string | number)[] = new Array<string | number>(n * 3 + 1);
    for (let i = 0; i < n; i++) args[i] = this.key('rl', specs[i]!.table, partitions[i]!);
    args[n] = consume ? '1' : '0';
    for (let i = 0; i < n; i++) {
      args[n + 1 + 2 * i] = specs[i]!.emissionMs;
      args[n + 2 + 2 * i] = specs[i]!.capacityMs;
    }
    const r = await this.redis.sluiceRate(n, ...args);
    const limits: RateState[] = new Array<RateState>(n);
    for (let i = 0; i < n; i++) limits[i] = { remaining: r[1 + 2 * i]!, waitMs: r[2 + 2 * i]! };
    const denied = r[0]! - 1;
    return { allowed: denied === -1, denied, limits };
  }

  async quota(specs: readonly QuotaSpec[], partitions: readonly string[], consume: boolean): Promise<QuotaOutcome> {
    const n = specs.length;
    const args: (string | number)[] = new Array<string | number>(n * 3 + 1);
    for (let i = 0; i < n; i++) args[i] = this.key('q', specs[i]!.table, partitions[i]!);
    args[n] = consume ? '1' : '0';
    for (let i = 0; i < n; i++) {
      args[n + 1 + 2 * i] = specs[i]!.limit;
      args[n + 2 + 2 * i] = specs[i]!.period;
    }
    const r = await this.redis.sluiceQuota(n, ...args);
    const now = r[1]!;
    const limits: QuotaState[] = new Array<QuotaState>(n);
    for (let i = 0; i < n; i++) {
      const used = r[2 + 2 * i]!;
      const end = r[3 + 2 * i]!;
      limits[i] = { used, remaining: Math.max(0, specs[i]!.limit - used), resetAt: end, resetMs: end - now };
    }
    const denied = r[0]! - 1;
    return { allowed: denied === -1, denied, limits };
  }

  async acquire(spec: ConcurrencySpec, partition: string, consume: boolean): Promise<ConcurrencyOutcome> {
    const key = this.key('cc', spec.table, partition);
    const member = consume ? `${this.instance}:${(this.seq = (this.seq + 1) % Number.MAX_SAFE_INTEGER)}` : '';
    const [ok, inFlight] = await this.redis.sluiceAcquire(key, consume ? '1' : '0', spec.limit, spec.leaseMs, member);
    if (ok !== 1) return { allowed: false, inFlight };
    if (!consume) return { allowed: true, inFlight };
    const slot: RedisSlot = { table: spec.table, partition, key, member, leaseMs: spec.leaseMs, renewAt: Date.now() + spec.leaseMs / 2 };
    this.held.add(slot);
    return { allowed: true, inFlight, slot };
  }

  release(slot: ConcurrencySlot): void {
    const s = slot as RedisSlot;
    if (!this.held.delete(s)) return;
    this.redis.zrem(s.key, s.member).catch((err: unknown) => {
      this.log?.warn({ err: (err as Error).message, key: s.key }, 'could not release a concurrency slot; it frees itself when its lease ends');
    });
  }

  /** Slots this instance holds (tests, diagnostics). */
  get heldSlots(): number {
    return this.held.size;
  }

  private renew(): void {
    const now = Date.now();
    for (const s of this.held) {
      if (s.renewAt > now) continue;
      s.renewAt = now + s.leaseMs / 2;
      this.redis.sluiceRenew(s.key, s.member, s.leaseMs).catch(() => {
        // Redis unreachable: the next tick tries again; at worst the lease ends and the slot frees itself.
        s.renewAt = now;
      });
    }
  }

  close(): void {
    clearInterval(this.timer);
  }
}
