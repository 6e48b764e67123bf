import { GRAIN_MS, ROLLUP_DIMS, type RollupDim, type RollupDims, type RollupGrain, type RollupRow, type SliceRow } from '../../store/telemetry/tables.js';
import type { CallFacts } from '../record.js';
import { DDSketch } from '../sketch/ddsketch.js';

const GRAINS: readonly RollupGrain[] = ['minute', 'hour', 'day'];
/** Computes sketch bins (every cell's sketches have the default accuracy). */
const KEYS = new DDSketch();

/** What one request adds to each of the 24 cells it counts in, computed once. */
interface Delta {
  readonly denied: number;
  readonly clientErrors: number;
  readonly serverErrors: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly tokensInput: number;
  readonly tokensOutput: number;
  readonly tokensCached: number;
  readonly tokensReasoning: number;
  readonly cost: number;
  readonly latency: number;
  readonly latencyKey: number;
  readonly overhead: number | undefined;
  readonly overheadKey: number;
  readonly status: string;
  readonly code: string | undefined;
}

function deltaOf(f: CallFacts): Delta {
  const t = f.trace;
  const latency = t.durationMs >= 0 ? t.durationMs : 0;
  const ai = f.ai;
  return {
    denied: f.denied ? 1 : 0,
    clientErrors: t.status >= 400 && t.status < 500 ? 1 : 0,
    serverErrors: t.status >= 500 ? 1 : 0,
    bytesIn: t.bytesIn ?? 0,
    bytesOut: t.bytesOut ?? 0,
    tokensInput: ai?.tokens.input ?? 0,
    tokensOutput: ai?.tokens.output ?? 0,
    tokensCached: ai?.tokens.cached ?? 0,
    tokensReasoning: ai?.tokens.reasoning ?? 0,
    cost: ai?.cost ?? 0,
    latency,
    // One logarithm per value for the 24 sketches it lands in.
    latencyKey: KEYS.keyOf(latency),
    overhead: f.overheadMs,
    overheadKey: f.overheadMs !== undefined ? KEYS.keyOf(f.overheadMs) : 0,
    status: String(t.status),
    code: t.code || undefined,
  };
}

/** A request counts in the buckets of the time it finished. */
function endOf(f: CallFacts): number {
  return f.trace.timestamp + f.trace.durationMs;
}

function dimsOf(f: CallFacts): RollupDims {
  const t = f.trace;
  return { team: f.owner.team ?? '', api: f.owner.api ?? '', route: t.routeId ?? '', consumer: t.consumerId ?? '', provider: f.ai?.provider ?? '', model: f.ai?.model ?? '' };
}

/** Whether a request has these dimensions (what dimsOf would give, without making the object). */
function sameDims(d: RollupDims, f: CallFacts): boolean {
  const t = f.trace;
  return d.route === (t.routeId ?? '') && d.consumer === (t.consumerId ?? '') && d.api === (f.owner.api ?? '') && d.team === (f.owner.team ?? '') &&
    d.provider === (f.ai?.provider ?? '') && d.model === (f.ai?.model ?? '');
}

/** A batch's requests of one minute and full cell, summed (see addBatch). */
interface BatchGroup {
  readonly dims: RollupDims;
  readonly end: number;
  readonly minute: number;
  readonly sum: Cell;
}

/** The running totals of one (grain, bucket, dimensions) cell. */
class Cell {
  requests = 0;
  denied = 0;
  clientErrors = 0;
  serverErrors = 0;
  bytesIn = 0;
  bytesOut = 0;
  tokensInput = 0;
  tokensOutput = 0;
  tokensCached = 0;
  tokensReasoning = 0;
  cost = 0;
  latencySum = 0;
  readonly statuses: Record<string, number> = {};
  readonly codes: Record<string, number> = {};
  readonly latency = new DDSketch();
  readonly overhead = new DDSketch();
  dirty = true;
  /** The slice cells a full cell's requests also count in (cached: found once per bucket, not per request). */
  slices: Cell[] | undefined;

  constructor(readonly id: CellId) {}

  add(d: Delta): void {
    this.requests++;
    this.denied += d.denied;
    this.clientErrors += d.clientErrors;
    this.serverErrors += d.serverErrors;
    this.bytesIn += d.bytesIn;
    this.bytesOut += d.bytesOut;
    this.tokensInput += d.tokensInput;
    this.tokensOutput += d.tokensOutput;
    this.tokensCached += d.tokensCached;
    this.tokensReasoning += d.tokensReasoning;
    this.cost += d.cost;
    this.latencySum += d.latency;
    this.statuses[d.status] = (this.statuses[d.status] ?? 0) + 1;
    if (d.code !== undefined) this.codes[d.code] = (this.codes[d.code] ?? 0) + 1;
    this.latency.addAt(d.latency, d.latencyKey);
    if (d.overhead !== undefined) this.overhead.addAt(d.overhead, d.overheadKey);
    this.dirty = true;
  }

  /** Adds what another cell counted (a batch's group, see RollupAccumulator.addBatch). */
  merge(o: Cell): void {
    this.requests += o.requests;
    this.denied += o.denied;
    this.clientErrors += o.clientErrors;
    this.serverErrors += o.serverErrors;
    this.bytesIn += o.bytesIn;
    this.bytesOut += o.bytesOut;
    this.tokensInput += o.tokensInput;
    this.tokensOutput += o.tokensOutput;
    this.tokensCached += o.tokensCached;
    this.tokensReasoning += o.tokensReasoning;
    this.cost += o.cost;
    this.latencySum += o.latencySum;
    for (const k in o.statuses) this.statuses[k] = (this.statuses[k] ?? 0) + o.statuses[k]!;
    for (const k in o.codes) this.codes[k] = (this.codes[k] ?? 0) + o.codes[k]!;
    this.latency.merge(o.latency);
    this.overhead.merge(o.overhead);
    this.dirty = true;
  }

  private measures() {
    return {
      requests: this.requests, denied: this.denied, client_errors: this.clientErrors, server_errors: this.serverErrors,
      bytes_in: this.bytesIn, bytes_out: this.bytesOut, tokens_input: this.tokensInput, tokens_output: this.tokensOutput,
      tokens_cached: this.tokensCached, tokens_reasoning: this.tokensReasoning, cost: this.cost, latency_sum: this.latencySum,
      statuses: JSON.stringify(this.statuses), codes: JSON.stringify(this.codes),
      latency: this.latency.serialize(), overhead: this.overhead.serialize(),
    };
  }

  write(grain: RollupGrain, bucket: number, node: string, out: Drained): void {
    const id = this.id;
    if ('dims' in id) out.cells.push({ grain, bucket, node, ...id.dims, ...this.measures() });
    else out.slices.push({ grain, bucket, node, dim: id.dim, value: id.value, ...this.measures() });
  }
}

/** A full cell (all six dimensions) or a slice (one dimension value; `dim` '' = the grand total). */
type CellId = { readonly dims: RollupDims } | { readonly dim: RollupDim | ''; readonly value: string };

/** What `drain` returns: full cells for the `rollups` table, slices for `rollup_slices`. */
export interface Drained {
  readonly cells: RollupRow[];
  readonly slices: SliceRow[];
}

/** Cells beyond this many per bucket fold into `(other)` cells: memory stays bounded whatever the cardinality. */
export const MAX_CELLS_PER_BUCKET = 20_000;
const OTHER = '(other)';
const OTHER_DIMS: RollupDims = { team: OTHER, api: OTHER, route: OTHER, consumer: OTHER, provider: OTHER, model: OTHER };
const TOTAL = { dim: '', value: '' } as const;

const fullKey = (d: RollupDims): string => `${d.team}\u0001${d.api}\u0001${d.route}\u0001${d.consumer}\u0001${d.provider}\u0001${d.model}`;
const sliceKey = (dim: string, value: string): string => `\u0002${dim}\u0001${value}`;

/** The slices a full cell counts in: the grand total and one per dimension. */
export function slicesOf(d: RollupDims): { dim: RollupDim | ''; value: string }[] {
  return [TOTAL, ...ROLLUP_DIMS.map((k) => ({ dim: k, value: d[k] }))];
}

interface Bucket {
  readonly cells: Map<string, Cell>;
  /** Writer id of this bucket's rows: the node, or a distinct one for a bucket reopened after it was forgotten. */
  readonly node: string;
}

/**
 * In-memory rollups of one writer node. A request counts in the buckets of the minute, hour and day in
 * which it *finished* (like a Prometheus counter), so a bucket gets no late data once it closed — except
 * from a backlog; such a reopened bucket is written under its own writer id, never over the full row.
 * Each request updates its full cell and its 7 slices (SliceRow) per grain.
 * `drain` returns the rows to write: every cell changed since the last drain, with its full state.
 */
export class RollupAccumulator {
  private readonly buckets = new Map<string, Bucket>();
  /** Per grain: buckets starting before this were forgotten. */
  private readonly forgotten: Record<RollupGrain, number> = { minute: 0, hour: 0, day: 0 };
  private reopened = 0;
  /** The bucket each grain used last: requests finish in time order, so it is almost always the next one's too. */
  private readonly last: Partial<Record<RollupGrain, { start: number; key: string; bucket: Bucket }>> = {};

  constructor(private readonly node: string, private readonly maxCells = MAX_CELLS_PER_BUCKET) {}

  add(f: CallFacts): void {
    const dims = dimsOf(f);
    const d = deltaOf(f);
    this.count(dims, endOf(f), (c) => c.add(d));
  }

  /**
   * Adds a batch: its requests are first summed per (minute, full cell), then each sum goes into the
   * 24 cells it counts in — one cell update per request instead of 24 when, as usual, a batch holds
   * many requests of the same route and consumer. The same totals and sketches as `add` one by one.
   */
  addBatch(facts: readonly CallFacts[]): void {
    if (facts.length === 1) {
      this.add(facts[0]!);
      return;
    }
    const groups = new Map<string, BatchGroup>();
    // Consecutive requests are mostly of one route, consumer and minute: compared field by field
    // with the previous request's group before a key is built and looked up.
    let last: BatchGroup | undefined;
    for (const f of facts) {
      const end = endOf(f);
      const minute = end - (end % GRAIN_MS.minute);
      let g = last;
      if (!g || g.minute !== minute || !sameDims(g.dims, f)) {
        const dims = dimsOf(f);
        const key = `${minute}\u0003${fullKey(dims)}`;
        g = groups.get(key);
        if (!g) groups.set(key, (g = { dims, end, minute, sum: new Cell({ dims }) }));
        last = g;
      }
      g.sum.add(deltaOf(f));
    }
    for (const g of groups.values()) this.count(g.dims, g.end, (c) => c.merge(g.sum));
  }

  /** Applies `update` to the full cell and the slices of `dims` in the minute, hour and day that `end` falls in. */
  private count(dims: RollupDims, end: number, update: (c: Cell) => void): void {
    const key = fullKey(dims);
    for (const g of GRAINS) {
      const b = this.bucket(g, end - (end % GRAIN_MS[g]));
      let c = b.cells.get(key);
      if (!c) {
        c = this.full(b, dims, key);
        // A folded cell mixes many dimension values: its requests find their own slices.
        if ('dims' in c.id && c.id.dims === dims) c.slices = this.slices(b, dims);
      }
      update(c);
      for (const s of c.slices ?? this.slices(b, dims)) update(s);
    }
  }

  private slices(b: Bucket, dims: RollupDims): Cell[] {
    return slicesOf(dims).map((s) => this.slice(b, s.dim, s.value));
  }

  private bucket(g: RollupGrain, start: number): Bucket {
    const last = this.last[g];
    if (last?.start === start && this.buckets.get(last.key) === last.bucket) return last.bucket;
    const key = `${g}:${start}`;
    let b = this.buckets.get(key);
    if (!b) {
      const node = start < this.forgotten[g] ? `${this.node}+${++this.reopened}` : this.node;
      this.buckets.set(key, (b = { cells: new Map(), node }));
    }
    this.last[g] = { start, key, bucket: b };
    return b;
  }

  private full(b: Bucket, dims: RollupDims, key: string): Cell {
    let c = b.cells.get(key);
    if (c) return c;
    if (b.cells.size >= this.maxCells) {
      const fk = fullKey(OTHER_DIMS);
      c = b.cells.get(fk);
      if (!c) b.cells.set(fk, (c = new Cell({ dims: OTHER_DIMS })));
      return c;
    }
    b.cells.set(key, (c = new Cell({ dims })));
    return c;
  }

  private slice(b: Bucket, dim: RollupDim | '', value: string): Cell {
    const key = sliceKey(dim, value);
    let c = b.cells.get(key);
    if (c) return c;
    // Beyond the bound a dimension's new values fold into its `(other)` slice: its totals stay right.
    const v = b.cells.size >= this.maxCells && dim !== '' ? OTHER : value;
    const k = v === value ? key : sliceKey(dim, v);
    c = b.cells.get(k);
    if (!c) b.cells.set(k, (c = new Cell({ dim, value: v })));
    return c;
  }

  /**
   * Rows changed since the last call. Buckets that ended more than `graceMs` before `now` are
   * written one last time and forgotten.
   */
  drain(now: number, graceMs = 120_000): Drained {
    const rows: Drained = { cells: [], slices: [] };
    for (const [bk, b] of this.buckets) {
      const i = bk.indexOf(':');
      const grain = bk.slice(0, i) as RollupGrain;
      const bucket = Number(bk.slice(i + 1));
      for (const cell of b.cells.values()) {
        if (!cell.dirty) continue;
        cell.dirty = false;
        cell.write(grain, bucket, b.node, rows);
      }
      if (bucket + GRAIN_MS[grain] + graceMs < now) {
        this.buckets.delete(bk);
        this.forgotten[grain] = Math.max(this.forgotten[grain], bucket + GRAIN_MS[grain]);
      }
    }
    return rows;
  }

  /** Cells held in memory (for the memory-is-bounded test and a gauge). */
  get size(): number {
    let n = 0;
    for (const b of this.buckets.values()) n += b.cells.size;
    return n;
  }
}
