import type { RequestTrace } from '../../core/trace.js';
import { migrate, type StoreConnection } from '../../store/open.js';
import { openTelemetryConnection } from '../../store/telemetry/connection.js';
import { CallLogStore, type CallLogFilter } from '../../store/telemetry/call-logs.js';
import { RollupStore } from '../../store/telemetry/rollups.js';
import { GRAIN_MS, type RollupGrain } from '../../store/telemetry/tables.js';
import { Masker, renderBodies } from '../bodies/mask.js';
import type { DimensionTable } from '../dimensions.js';
import { RequestMetrics } from '../metrics/request-metrics.js';
import { chunkCodec, encodeChunks } from '../chunk-codec.js';
import { callFacts, presentRow, toRow, type CallFacts, type CallLog, type CallLogList } from '../record.js';
import { RollupAccumulator } from '../rollup/accumulator.js';
import { compileSettings, type TelemetrySettings } from '../settings.js';
import { JsonlSink } from '../sinks/jsonl.js';
import type { LogSink, SinkEvents } from '../sinks/sink.js';
import { WebhookSink } from '../sinks/webhook.js';
import type { TraceContext } from '../tracing/context.js';
import { createOtlpSink, type SpanSink } from '../tracing/exporter.js';
import { requestSpans } from '../tracing/spans.js';
import { analyticsQuery, type AnalyticsRequest } from './analytics.js';
import { parseDuration } from '../../core/duration.js';

export type LogFn = (level: 'info' | 'warn' | 'error', obj: Record<string, unknown>, msg: string) => void;

export interface EngineOptions {
  readonly url: string;
  readonly schema?: string;
  /** Writer id of this process in rollup rows. */
  readonly node: string;
  readonly log: LogFn;
}

const DAY = 86_400_000;

/** A call-log chunk is written once it holds this many records… */
export const CHUNK_MIN_RECORDS = 256;
/** …or its oldest batch waited this long (ms). */
export const CHUNK_MAX_WAIT_MS = 1000;

/** Batches held for the next chunk, with the bytes each came in. */
class PendingChunk {
  private facts: CallFacts[] = [];
  /** The bytes of each batch, in order; undefined once a batch came without them (an in-process caller). */
  private raws: Uint8Array[] | undefined = [];
  since = 0;

  get n(): number {
    return this.facts.length;
  }

  push(facts: readonly CallFacts[], raw: Uint8Array | undefined): void {
    if (this.facts.length === 0) this.since = Date.now();
    for (const f of facts) this.facts.push(f);
    if (raw && this.raws) this.raws.push(raw);
    else this.raws = undefined;
  }

  take(): { facts: CallFacts[]; raws: Uint8Array[] | undefined } | undefined {
    if (this.facts.length === 0) return undefined;
    const out = { facts: this.facts, raws: this.raws };
    this.facts = [];
    this.raws = [];
    return out;
  }
}

/**
 * Everything done with a finished request off the request path: call-log rows (masked bodies
 * included), rollups, metrics, export sinks and spans. Runs in the telemetry worker, which owns its
 * own store connection; tests can run it in-process.
 */
export class TelemetryEngine {
  readonly metrics = new RequestMetrics();
  readonly logs: CallLogStore;
  readonly rollups: RollupStore;
  private settings: TelemetrySettings = compileSettings(undefined);
  private readonly acc: RollupAccumulator;
  private readonly dims = new Map<number, DimensionTable>();
  private latestDims: DimensionTable | undefined;
  private masker = new Masker(this.settings.masking);
  private sinks: LogSink[] = [];
  private spans: SpanSink | undefined;
  private configuredKey = '';
  private readonly sinkEvents: SinkEvents;
  private readonly pending = new PendingChunk();

  private constructor(private readonly conn: ReturnType<typeof openTelemetryConnection>, private readonly o: EngineOptions) {
    this.logs = new CallLogStore(conn.db, conn.dialect, chunkCodec, conn.sqlite);
    this.rollups = new RollupStore(conn.db, conn.dialect, conn.sqlite);
    this.acc = new RollupAccumulator(o.node);
    this.sinkEvents = {
      sent: (sink, n) => this.metrics.sinkSent.inc({ sink }, n),
      dropped: (sink, n) => this.metrics.sinkDropped.inc({ sink }, n),
      error: (sink, err) => o.log('warn', { sink, err: String(err) }, 'call-log sink delivery failed'),
    };
  }

  /** Opens its own connection to an already migrated store (an in-memory one is private: migrated here). */
  static async open(o: EngineOptions): Promise<TelemetryEngine> {
    const conn = openTelemetryConnection(o.url, o.schema);
    if (/^(sqlite:)?:memory:$/.test(o.url)) await migrate(conn);
    return new TelemetryEngine(conn, o);
  }

  get dialect(): StoreConnection['dialect'] {
    return this.conn.dialect;
  }

  async configure(s: TelemetrySettings): Promise<void> {
    this.settings = s;
    this.masker = new Masker(s.masking);
    if (this.masker.invalid.length) this.o.log('warn', { patterns: this.masker.invalid }, 'observability.masking.patterns: invalid regular expressions ignored');
    // Sinks and the exporter are rebuilt only when their settings changed.
    const key = JSON.stringify([s.sinks, s.tracing]);
    if (key === this.configuredKey) return;
    this.configuredKey = key;
    const old = this.sinks;
    this.sinks = s.sinks.map((c): LogSink =>
      c.type === 'jsonl'
        ? new JsonlSink({ path: c.path, maxSize: c.max_size ?? 100 * 1024 * 1024, keep: c.keep ?? 5 }, this.sinkEvents)
        : new WebhookSink(
            {
              url: c.url, headers: c.headers ?? {}, batchSize: c.batch_size ?? 100, flushMs: parseDuration(c.flush_interval ?? '2s') ?? 2000,
              timeoutMs: parseDuration(c.timeout ?? '5s') ?? 5000, maxQueue: c.max_queue ?? 10_000, retries: c.retries ?? 3,
            },
            this.sinkEvents,
          ),
    );
    await Promise.all(old.map((k) => k.close()));
    const oldSpans = this.spans;
    this.spans = s.tracing.enabled
      ? await createOtlpSink(s.tracing, (err) => this.o.log('warn', { err: String(err) }, 'OTLP span export failed'))
      : undefined;
    await oldSpans?.close();
  }

  setDimensions(t: DimensionTable): void {
    this.dims.set(t.version, t);
    if (!this.latestDims || t.version >= this.latestDims.version) this.latestDims = t;
    // Requests of retired versions finish within seconds; keep a few tables.
    if (this.dims.size > 8) this.dims.delete(Math.min(...this.dims.keys()));
  }

  /**
   * Processes a batch of finished requests (in the order they finished). `raw`: the v8 bytes the
   * batch came in (the worker message), stored as they are in the call-log chunk.
   */
  async ingest(traces: readonly RequestTrace[], raw?: Uint8Array): Promise<void> {
    const s = this.settings;
    const facts: CallFacts[] = new Array<CallFacts>(traces.length);
    for (let i = 0; i < traces.length; i++) {
      const t = traces[i]!;
      const f = callFacts(t, this.dims.get(t.configVersion) ?? this.latestDims);
      facts[i] = f;
      this.metrics.observe(f);
      if (this.spans) this.trace(f);
    }
    this.metrics.flush();
    if (s.analytics.enabled) this.acc.addBatch(facts);
    if (facts.length === 0) return;
    if (this.sinks.length > 0) {
      const records: CallLog[] = facts.map((f) => presentRow(toRow(f, f.bodies ? renderBodies(f.bodies, this.masker) : undefined), true));
      await Promise.all(this.sinks.map((k) => k.push(records)));
    }
    if (!s.logs.enabled) return;
    this.pending.push(facts, raw);
    if (this.pending.n >= CHUNK_MIN_RECORDS || Date.now() - this.pending.since >= CHUNK_MAX_WAIT_MS) await this.flushLogs();
  }

  /**
   * Writes the batches held for the next call-log chunk. Batches are held until a chunk has
   * CHUNK_MIN_RECORDS records or the oldest waited CHUNK_MAX_WAIT_MS (the worker's timer calls this,
   * and every read of call logs first), so that a quiet gateway writes one chunk a second, not one
   * per 50 ms batch.
   */
  async flushLogs(): Promise<void> {
    const p = this.pending.take();
    if (!p) return;
    try {
      for (const c of encodeChunks(p.facts, p.raws, this.masker)) await this.logs.insert(c);
      this.metrics.written.inc(p.facts.length);
    } catch (err) {
      this.metrics.writeFailures.inc(p.facts.length);
      this.o.log('error', { err: String(err), records: p.facts.length }, 'call-log write failed: records dropped');
    }
  }

  private trace(f: CallFacts): void {
    const tc = f.trace.annotations?.['trace_context'] as TraceContext | undefined;
    if (!tc?.sampled || !this.spans) return;
    const spans = requestSpans(f, tc, this.spans.resource);
    this.metrics.spans.inc(spans.length);
    this.spans.push(spans);
  }

  /** Writes the rollup cells changed since the last flush. */
  async flushRollups(now = Date.now()): Promise<number> {
    const rows = this.acc.drain(now);
    const n = rows.cells.length + rows.slices.length;
    if (n === 0) return 0;
    try {
      await this.rollups.upsert(rows);
    } catch (err) {
      this.o.log('error', { err: String(err), rows: n }, 'rollup write failed');
    }
    return n;
  }

  /** Deletes what is older than each store's retention. */
  async retention(now = Date.now()): Promise<Record<string, number>> {
    const s = this.settings;
    await this.flushLogs();
    const out: Record<string, number> = { call_logs: await this.logs.deleteOlderThan(now - s.logs.retentionDays * DAY) };
    for (const g of ['minute', 'hour', 'day'] as RollupGrain[]) {
      out[`rollups_${g}`] = await this.rollups.deleteOlderThan(g, now - s.analytics.retentionDays[g] * DAY - GRAIN_MS[g]);
    }
    return out;
  }

  /** A page of records as presented (summaries: no trace, no bodies). */
  async queryLogs(f: CallLogFilter): Promise<CallLogList> {
    await this.flushLogs();
    const page = await this.logs.query(f);
    return { items: page.items.map((r) => presentRow(r)), ...(page.next !== undefined ? { next: page.next } : {}) };
  }

  async getLog(requestId: string): Promise<CallLog | undefined> {
    await this.flushLogs();
    const r = await this.logs.get(requestId);
    return r ? presentRow(r, true) : undefined;
  }

  analytics(req: AnalyticsRequest) {
    return analyticsQuery(this.rollups, req);
  }

  get rollupCells(): number {
    return this.acc.size;
  }

  get flushMs(): number {
    return this.settings.analytics.flushMs;
  }

  /** Records held for the next call-log chunk, not written yet. */
  get heldRecords(): number {
    return this.pending.n;
  }

  /** A cursor after the newest record (what was held is written first). */
  async tailCursor(): Promise<string> {
    await this.flushLogs();
    return this.logs.tailCursor();
  }

  async close(): Promise<void> {
    await this.flushLogs();
    await this.flushRollups(Date.now());
    const deadline = new Promise<void>((r) => setTimeout(r, 10_000).unref());
    await Promise.race([Promise.all(this.sinks.map((k) => k.close())), deadline]);
    await Promise.race([this.spans?.close(), deadline]);
    await this.conn.db.destroy();
  }
}
