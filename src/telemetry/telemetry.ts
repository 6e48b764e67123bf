import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { RequestTrace } from '../core/trace.js';
import type { Gateway } from '../gateway/gateway.js';
import type { CallLogFilter } from '../store/telemetry/call-logs.js';
import { dimensionTable, type DimensionTable } from './dimensions.js';
import { RecordFeed } from './feed.js';
import { gatewayRegistry } from './metrics/gateway-metrics.js';
import type { CallLog, CallLogList } from './record.js';
import { compileSettings, type ObservabilityConfig, type TelemetrySettings } from './settings.js';
import { TelemetryTaps } from './taps.js';
import type { AnalyticsRequest, SeriesResult, SummaryResult, TopResult } from './worker/analytics.js';
import { WorkerClient } from './worker/client.js';

export interface TelemetryOptions {
  /** Store URL (SQLite path or postgres://…), already migrated: the worker opens its own connection. */
  readonly storeUrl: string;
  readonly storeSchema?: string;
  readonly log: Logger;
}

/**
 * Call logs, analytics, metrics and tracing of one Sluice process. The request path only calls
 * `onRequest` (append to a bounded buffer) and the `taps` that are configured; everything else runs
 * in a worker thread that owns its own store connection.
 *
 * @example
 * const telemetry = await Telemetry.start({ storeUrl, log });
 * const gateway = new Gateway({ …, onRequest: telemetry.onRequest, taps: telemetry.taps });
 * telemetry.attach(gateway);
 */
export class Telemetry {
  readonly taps = new TelemetryTaps();
  readonly node: string;
  private readonly worker: WorkerClient;
  private readonly feed: RecordFeed;
  private gateway: Gateway | undefined;
  private settings: TelemetrySettings = compileSettings(undefined);
  private dims: DimensionTable | undefined;
  private seenVersion = -1;
  private seenHash = '';
  private readonly timer: NodeJS.Timeout;
  private readonly registry;
  private closed = false;
  /** Observer of every finished request (GatewayOptions.onRequest). */
  readonly onRequest: (t: RequestTrace) => void;

  private constructor(o: TelemetryOptions, worker: WorkerClient, node: string) {
    this.node = node;
    this.worker = worker;
    this.feed = new RecordFeed(worker, o.log.child({ component: 'telemetry' }), this.settings.logs.buffer);
    const push = this.feed.push;
    this.onRequest = (t) => {
      if (this.settings.enabled) push(t);
    };
    this.timer = setInterval(() => {
      this.sync();
      this.feed.ship();
    }, 50);
    this.timer.unref();
    this.registry = gatewayRegistry({
      dropped: () => this.feed.dropped,
      lost: () => this.worker.lost,
      buffered: () => this.feed.buffered,
      capacity: () => this.feed.capacity,
      inflight: () => this.gateway?.inflight() ?? 0,
      config: () => (this.gateway?.hasConfig ? { version: this.gateway.current().version, hash: this.gateway.current().hash } : undefined),
      health: () => this.gateway?.targetHealth() ?? [],
    });
  }

  static async start(o: TelemetryOptions): Promise<Telemetry> {
    const node = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    const worker = new WorkerClient({ url: o.storeUrl, schema: o.storeSchema, node }, o.log.child({ component: 'telemetry' }));
    await worker.start();
    return new Telemetry(o, worker, node);
  }

  /** Follows the gateway's config (the `observability` section, team/API tags) and health. */
  attach(gateway: Gateway): void {
    this.gateway = gateway;
    this.sync();
  }

  /** Picks up a new config version: settings, hooks and the team/API table. */
  private sync(): void {
    const g = this.gateway;
    if (!g?.hasConfig) return;
    const snap = g.current();
    if (snap.version === this.seenVersion && snap.hash === this.seenHash) return;
    this.seenVersion = snap.version;
    this.seenHash = snap.hash;
    const doc = snap.resolved.document as { observability?: ObservabilityConfig };
    this.settings = compileSettings(doc.observability);
    this.dims = dimensionTable(snap.resolved, snap.version);
    this.feed.capacity = this.settings.logs.buffer;
    this.taps.update(this.settings, this.dims);
    this.worker.configure({ t: 'settings', settings: this.settings });
    this.worker.configure({ t: 'dims', table: this.dims });
  }

  get dropped(): number {
    return this.feed.dropped + this.worker.lost;
  }

  /** Everything handed to the worker before this call is visible to what follows. */
  private call<T>(op: Parameters<WorkerClient['call']>[0], arg: unknown): Promise<T> {
    this.sync();
    this.feed.ship();
    return this.worker.call(op, arg as never) as Promise<T>;
  }

  logs(filter: CallLogFilter): Promise<CallLogList> {
    return this.call('logs', filter);
  }

  log(requestId: string): Promise<CallLog | undefined> {
    return this.call('log', requestId);
  }

  /** A cursor (order `asc`) after the newest record stored: following from it shows what comes next. */
  tail(): Promise<string> {
    return this.call('tail', undefined);
  }

  analytics(req: AnalyticsRequest & { kind: 'series' }): Promise<SeriesResult>;
  analytics(req: AnalyticsRequest & { kind: 'summary' }): Promise<SummaryResult>;
  analytics(req: AnalyticsRequest & { kind: 'top' }): Promise<TopResult>;
  analytics(req: AnalyticsRequest): Promise<SeriesResult | SummaryResult | TopResult> {
    return this.call('analytics', req);
  }

  /** Runs the retention job now (it also runs hourly); returns rows deleted per store. */
  retention(now?: number): Promise<Record<string, number>> {
    return this.call('retention', now);
  }

  /** Prometheus text: the main thread's metrics, then the worker's per-request metrics. */
  async metrics(): Promise<string> {
    const [main, worker] = await Promise.all([this.registry.metrics(), this.call<string>('metrics', undefined).catch(() => '')]);
    return `${main.trimEnd()}\n${worker}`;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Clean shutdown: every record buffered is written, rollups flushed, sinks drained. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.feed.ship();
    await this.worker.close();
  }
}
