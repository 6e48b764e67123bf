import { GRAIN_MS, type RollupDims, type RollupGrain, type RollupRow } from '../../store/telemetry/tables.js';
import type { CallFacts } from '../record.js';
import { DDSketch } from '../sketch/ddsketch.js';

const GRAINS: readonly RollupGrain[] = ['minute', 'hour', 'day'];

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

  constructor(readonly dims: RollupDims) {}

  add(f: CallFacts): void {
    const t = f.trace;
    this.requests++;
    if (f.denied) this.denied++;
    if (t.status >= 400 && t.status < 500) this.clientErrors++;
    else if (t.status >= 500) this.serverErrors++;
    this.bytesIn += t.bytesIn ?? 0;
    this.bytesOut += t.bytesOut ?? 0;
    if (f.ai) {
      this.tokensInput += f.ai.tokens.input;
      this.tokensOutput += f.ai.tokens.output;
      this.tokensCached += f.ai.tokens.cached;
      this.tokensReasoning += f.ai.tokens.reasoning;
      this.cost += f.ai.cost ?? 0;
    }
    this.latencySum += t.durationMs;
    this.statuses[t.status] = (this.statuses[t.status] ?? 0) + 1;
    if (t.code) this.codes[t.code] = (this.codes[t.code] ?? 0) + 1;
    this.latency.add(t.durationMs);
    if (f.overheadMs !== undefined) this.overhead.add(f.overheadMs);
    this.dirty = true;
  }

  row(grain: RollupGrain, bucket: number, node: string): RollupRow {
    return {
      grain, bucket, node, ...this.dims,
      requests: this.requests, denied: this.denied, client_errors: this.clientErrors, server_errors: this.serverErrors,
      bytes_in: this.bytesIn, bytes_out: this.bytesOut, tokens_input: this.tokensInput, tokens_output: this.tokensOutput,
      tokens_cached: this.tokensCached, tokens_reasoning: this.tokensReasoning, cost: this.cost, latency_sum: this.latencySum,
      statuses: JSON.stringify(this.statuses), codes: JSON.stringify(this.codes),
      latency: this.latency.serialize(), overhead: this.overhead.serialize(),
    };
  }
}

/** Cells beyond this many per bucket fold into one `(other)` cell: memory stays bounded whatever the cardinality. */
export const MAX_CELLS_PER_BUCKET = 20_000;
const OTHER: RollupDims = { team: '(other)', api: '(other)', route: '(other)', consumer: '(other)', provider: '(other)', model: '(other)' };

/**
 * In-memory rollups of one writer node. A request counts in the buckets of the minute, hour and day in
 * which it *finished* (like a Prometheus counter), so no bucket ever gets late data after it closed.
 * `drain` returns the rows to write: every cell changed since the last drain, with its full state.
 */
export class RollupAccumulator {
  private readonly buckets = new Map<string, Map<string, Cell>>();

  constructor(private readonly node: string) {}

  add(f: CallFacts): void {
    const t = f.trace;
    const end = t.timestamp + t.durationMs;
    const dims: RollupDims = {
      team: f.owner.team ?? '',
      api: f.owner.api ?? '',
      route: t.routeId ?? '',
      consumer: t.consumerId ?? '',
      provider: f.ai?.provider ?? '',
      model: f.ai?.model ?? '',
    };
    const key = `${dims.team}\u0001${dims.api}\u0001${dims.route}\u0001${dims.consumer}\u0001${dims.provider}\u0001${dims.model}`;
    for (const g of GRAINS) {
      const bucket = end - (end % GRAIN_MS[g]);
      const bk = `${g}:${bucket}`;
      let cells = this.buckets.get(bk);
      if (!cells) this.buckets.set(bk, (cells = new Map<string, Cell>()));
      let cell = cells.get(key);
      if (!cell) {
        if (cells.size >= MAX_CELLS_PER_BUCKET) {
          cell = cells.get('(other)') ?? new Cell(OTHER);
          cells.set('(other)', cell);
        } else cells.set(key, (cell = new Cell(dims)));
      }
      cell.add(f);
    }
  }

  /**
   * Rows changed since the last call. Buckets that ended more than `graceMs` before `now` are
   * written one last time and forgotten.
   */
  drain(now: number, graceMs = 120_000): RollupRow[] {
    const rows: RollupRow[] = [];
    for (const [bk, cells] of this.buckets) {
      const i = bk.indexOf(':');
      const grain = bk.slice(0, i) as RollupGrain;
      const bucket = Number(bk.slice(i + 1));
      for (const cell of cells.values()) {
        if (!cell.dirty) continue;
        cell.dirty = false;
        rows.push(cell.row(grain, bucket, this.node));
      }
      if (bucket + GRAIN_MS[grain] + graceMs < now) this.buckets.delete(bk);
    }
    return rows;
  }

  /** Cells held in memory (for the memory-is-bounded test and a gauge). */
  get size(): number {
    let n = 0;
    for (const c of this.buckets.values()) n += c.size;
    return n;
  }
}
