import type { RequestTrace } from '../core/trace.js';

/**
 * Traces kept in memory unless `gateway.trace_ring_size` says otherwise. Small on purpose: a trace
 * retained past a young-generation collection is promoted and later freed by a full one. With
 * ~26 KB allocated per proxied request and a 16 MiB semi-space, 256 traces die young; 1,000 did
 * not (≈60 MiB promoted per 12 s at 13k req/s, RSS +70 MiB, 5–8 % of req/s).
 */
export const DEFAULT_TRACE_RING = 256;

/** Where finished traces go besides the ring (the store, for denied requests). */
export type TraceSink = (trace: RequestTrace) => void;

/**
 * Recent request traces in a fixed-size ring: memory is bounded by `capacity`, whatever the load.
 * Lookups by id scan the ring; they are an operator action, not a hot path.
 */
export class TraceRing {
  private readonly items: (RequestTrace | undefined)[];
  private next = 0;

  constructor(readonly capacity: number) {
    this.items = new Array<RequestTrace | undefined>(capacity);
  }

  push(t: RequestTrace): void {
    if (this.capacity === 0) return;
    this.items[this.next] = t;
    this.next = (this.next + 1) % this.capacity;
  }

  get(requestId: string): RequestTrace | undefined {
    for (let k = 1; k <= this.capacity; k++) {
      const t = this.items[(this.next - k + this.capacity) % this.capacity];
      if (!t) return undefined;
      if (t.requestId === requestId) return t;
    }
    return undefined;
  }

  /** Newest first. */
  recent(limit: number, filter?: (t: RequestTrace) => boolean): RequestTrace[] {
    const out: RequestTrace[] = [];
    for (let k = 1; k <= this.capacity && out.length < limit; k++) {
      const t = this.items[(this.next - k + this.capacity) % this.capacity];
      if (!t) break;
      if (!filter || filter(t)) out.push(t);
    }
    return out;
  }
}
