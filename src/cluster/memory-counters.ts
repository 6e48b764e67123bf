import { createHash } from 'node:crypto';
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
import { periodBounds } from './calendar.js';
import { EPSILON, gcraState } from './gcra.js';

/** Partitions longer than this are hashed, so a huge header value cannot grow memory or Redis keys. */
const MAX_PARTITION = 128;

export function compactPartition(p: string): string {
  return p.length <= MAX_PARTITION ? p : `sha1:${createHash('sha1').update(p).digest('base64url')}`;
}

/**
 * GCRA state (theoretical arrival times) of one limit, in two generations: an entry untouched for a
 * whole horizon (the limit's capacity) carries no information, so rotating every horizon and dropping
 * the older generation bounds memory to the keys seen in the last two horizons, with no per-key
 * timer and no sweep over the keys.
 */
class RateTable {
  private cur = new Map<string, number>();
  private prev = new Map<string, number>();
  private rotateAt: number;

  constructor(
    private readonly horizon: number,
    now: number,
    private readonly maxKeys: number,
  ) {
    this.rotateAt = now + horizon;
  }

  get(key: string, now: number): number | undefined {
    if (now >= this.rotateAt) this.rotate(now);
    return this.cur.get(key) ?? this.prev.get(key);
  }

  set(key: string, tat: number): void {
    // Under a flood of distinct keys, forget the older generation early rather than grow without bound.
    if (this.cur.size >= this.maxKeys) this.shift(this.rotateAt);
    this.cur.set(key, tat);
  }

  rotate(now: number): void {
    if (now >= this.rotateAt + this.horizon) {
      this.prev = new Map();
      this.cur = new Map();
      this.rotateAt = now + this.horizon;
    } else this.shift(now + this.horizon);
  }

  private shift(nextRotation: number): void {
    this.prev = this.cur;
    this.cur = new Map();
    this.rotateAt = nextRotation;
  }

  get size(): number {
    return this.cur.size + this.prev.size;
  }
}

/** Request counts of one quota for the current calendar period; a new period starts a new map. */
class QuotaTable {
  counts = new Map<string, number>();
  start = 0;
  end = 0;
}

interface SlotEntry {
  n: number;
  readonly partition: string;
  readonly map: Map<string, SlotEntry>;
}

/** One request's slot: released at most once, whatever calls `release`. */
interface MemorySlot extends ConcurrencySlot {
  entry: SlotEntry | undefined;
}

export interface MemoryCountersOptions {
  /** Monotonic milliseconds for rate limits (default `performance.now()`). */
  readonly clock?: () => number;
  /** Wall-clock milliseconds since the epoch for calendar quotas (default `Date.now()`). */
  readonly wallClock?: () => number;
  /** Keys one rate table may hold within a horizon before its older generation is forgotten. */
  readonly maxKeysPerTable?: number;
}

/**
 * Counters of this process: synchronous, O(1) per decision, no timers. The state lives as long as
 * the process (config reloads keep it: tables are named by policy id and limit shape).
 */
export class MemoryCounters implements Counters {
  readonly kind = 'memory' as const;
  private readonly rates = new Map<string, RateTable>();
  private readonly quotas = new Map<string, QuotaTable>();
  private readonly slots = new Map<string, Map<string, SlotEntry>>();
  private readonly clock: () => number;
  private readonly wallClock: () => number;
  private readonly maxKeys: number;
  /** Scratch for the two passes of `rate` (synchronous, so one array serves every call). */
  private tats: number[] = [];

  constructor(o: MemoryCountersOptions = {}) {
    this.clock = o.clock ?? (() => performance.now());
    this.wallClock = o.wallClock ?? Date.now;
    this.maxKeys = o.maxKeysPerTable ?? 1_000_000;
  }

  rate(specs: readonly RateSpec[], partitions: readonly string[], consume: boolean): RateOutcome {
    const now = this.clock();
    const n = specs.length;
    const tats = this.tats;
    let denied = -1;
    for (let i = 0; i < n; i++) {
      const s = specs[i]!;
      let table = this.rates.get(s.table);
      if (!table) this.rates.set(s.table, (table = new RateTable(s.capacityMs, now, this.maxKeys)));
      const stored = table.get(compactPartition(partitions[i]!), now);
      const tat = stored === undefined || stored < now ? now : stored;
      tats[i] = tat;
      if (denied === -1 && tat + s.emissionMs - now > s.capacityMs + EPSILON) denied = i;
    }
    const allowed = denied === -1;
    const limits: RateState[] = new Array<RateState>(n);
    for (let i = 0; i < n; i++) {
      const s = specs[i]!;
      limits[i] = gcraState(tats[i]! - now, s.emissionMs, s.capacityMs, allowed);
      if (allowed && consume) this.rates.get(s.table)!.set(compactPartition(partitions[i]!), tats[i]! + s.emissionMs);
    }
    return { allowed, denied, limits };
  }

  quota(specs: readonly QuotaSpec[], partitions: readonly string[], consume: boolean): QuotaOutcome {
    const now = this.wallClock();
    const n = specs.length;
    let denied = -1;
    const used: number[] = new Array<number>(n);
    const tables: QuotaTable[] = new Array<QuotaTable>(n);
    for (let i = 0; i < n; i++) {
      const s = specs[i]!;
      let t = this.quotas.get(s.table);
      if (!t) this.quotas.set(s.table, (t = new QuotaTable()));
      if (now >= t.end || now < t.start) {
        const b = periodBounds(now, s.period);
        t.start = b.start;
        t.end = b.end;
        t.counts = new Map();
      }
      tables[i] = t;
      used[i] = t.counts.get(compactPartition(partitions[i]!)) ?? 0;
      if (denied === -1 && used[i]! + 1 > s.limit) denied = i;
    }
    const allowed = denied === -1;
    const limits: QuotaState[] = new Array<QuotaState>(n);
    for (let i = 0; i < n; i++) {
      const t = tables[i]!;
      const u = allowed ? used[i]! + 1 : used[i]!;
      if (allowed && consume) t.counts.set(compactPartition(partitions[i]!), u);
      limits[i] = { used: u, remaining: Math.max(0, specs[i]!.limit - u), resetAt: t.end, resetMs: t.end - now };
    }
    return { allowed, denied, limits };
  }

  acquire(spec: ConcurrencySpec, partition: string, consume: boolean): ConcurrencyOutcome {
    let map = this.slots.get(spec.table);
    if (!map) this.slots.set(spec.table, (map = new Map<string, SlotEntry>()));
    const p = compactPartition(partition);
    const entry = map.get(p);
    const inFlight = entry?.n ?? 0;
    if (inFlight >= spec.limit) return { allowed: false, inFlight };
    if (!consume) return { allowed: true, inFlight: inFlight + 1 };
    let held = entry;
    if (held) held.n++;
    else map.set(p, (held = { n: 1, partition: p, map }));
    const slot: MemorySlot = { table: spec.table, partition, entry: held };
    return { allowed: true, inFlight: held.n, slot };
  }

  release(slot: ConcurrencySlot): void {
    const s = slot as MemorySlot;
    const e = s.entry;
    if (!e) return;
    s.entry = undefined;
    if (--e.n <= 0 && e.map.get(e.partition) === e) e.map.delete(e.partition);
  }

  /** Requests in flight for a partition (tests, diagnostics). */
  inFlight(table: string, partition: string): number {
    return this.slots.get(table)?.get(compactPartition(partition))?.n ?? 0;
  }

  /** Keys held by the rate tables (tests: memory must stay bounded). */
  rateKeys(): number {
    let n = 0;
    for (const t of this.rates.values()) n += t.size;
    return n;
  }
}
