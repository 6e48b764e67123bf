import type { Logger } from 'pino';
import type { ServiceRegistry } from '../core/policy.js';
import { ErrorDialects } from '../core/problem.js';
import type { ReasonTable } from '../core/reasons.js';
import type { RequestTrace } from '../core/trace.js';
import type { ConfigRegistry } from '../config/registry.js';
import type { ResolvedConfig } from '../config/resolve.js';
import { DataPlane, type DataPlaneHost } from './handler.js';
import { policyHttpClient } from './policy-http.js';
import { simulate, type SimulationInput, type SimulationResult } from './simulate.js';
import { compileSnapshot, type Snapshot } from './snapshot.js';
import type { RequestTaps } from './taps.js';
import { DEFAULT_TRACE_RING, TraceRing, type TraceSink } from './traces.js';
import type { CompiledUpstream } from './upstream/compile.js';
import { ActiveHealthChecker } from './upstream/health-checker.js';
import { PoolManager } from './upstream/pools.js';
import { TargetRegistry } from './upstream/target.js';

export interface GatewayOptions {
  readonly registry: ConfigRegistry;
  readonly reasons: ReasonTable;
  readonly log: Logger;
  readonly services: ServiceRegistry;
  readonly dialects?: ErrorDialects;
  /** Receives finished traces that should be persisted (denials, by default). */
  readonly traceSink?: TraceSink;
  /** Observers of every finished request (metrics, call logs). Must not block. */
  readonly onRequest?: (trace: RequestTrace) => void;
  readonly protocol?: 'http' | 'https';
  /** Per-request telemetry hooks (tracing, body capture); see taps.ts. */
  readonly taps?: RequestTaps;
}

/**
 * The running data plane: the current snapshot, its atomic swap, shared upstream state, the trace
 * ring. A new config compiles completely before it is swapped in; requests in flight finish on the
 * snapshot they started with, which is then retired (pools released, policy instances closed).
 */
export class Gateway implements DataPlaneHost {
  readonly dataPlane: DataPlane;
  readonly reasons: ReasonTable;
  readonly log: Logger;
  readonly dialects: ErrorDialects;
  readonly protocol: 'http' | 'https';
  readonly taps: RequestTaps | undefined;
  private snap: Snapshot | undefined;
  private readonly retired = new Set<Snapshot>();
  private readonly pools = new PoolManager();
  private readonly targets = new TargetRegistry();
  private readonly persistent = new Map<string, unknown>();
  private health: ActiveHealthChecker | undefined;
  private ring: TraceRing;

  constructor(private readonly opts: GatewayOptions) {
    this.reasons = opts.reasons;
    this.log = opts.log;
    this.dialects = opts.dialects ?? new ErrorDialects();
    this.protocol = opts.protocol ?? 'http';
    this.taps = opts.taps;
    this.ring = new TraceRing(DEFAULT_TRACE_RING);
    this.dataPlane = new DataPlane(this);
  }

  current(): Snapshot {
    if (!this.snap) throw new Error('gateway has no config yet');
    return this.snap;
  }

  get hasConfig(): boolean {
    return this.snap !== undefined;
  }

  /** Compiles and swaps in a new config version. Throws ConfigError (nothing changes) when invalid. */
  apply(resolved: ResolvedConfig, version: number): Snapshot {
    return this.activate(this.prepare(resolved, version));
  }

  /** Compiles without swapping (throws ConfigError when a policy or route refuses the config). */
  prepare(resolved: ResolvedConfig, version: number): Snapshot {
    return compileSnapshot(resolved, version, {
      registry: this.opts.registry,
      reasons: this.reasons,
      dialects: this.dialects,
      pools: this.pools,
      targets: this.targets,
      persistent: this.persistent,
      http: policyHttpClient,
      log: this.log.child({ component: 'policy' }),
      services: this.opts.services,
    });
  }

  /** Drops a prepared snapshot that will not be activated (releases its pools and instances). */
  discard(s: Snapshot): void {
    this.retire(s);
  }

  /** Swaps in a prepared snapshot atomically; the previous one retires once drained. */
  activate(next: Snapshot): Snapshot {
    const resolved = next.resolved;
    const version = next.version;
    const prev = this.snap;
    this.snap = next;
    if (next.settings.traceRingSize !== this.ring.capacity) this.ring = new TraceRing(next.settings.traceRingSize);
    this.health?.stop();
    this.health = new ActiveHealthChecker(this.upstreams(next), this.log.child({ component: 'health' }));
    this.targets.retain(new Set([...this.upstreams(next)].flatMap((u) => u.targets.map((t) => t.state.key))));
    if (prev) {
      this.retired.add(prev);
      if (prev.inflight === 0) this.retire(prev);
    }
    this.log.info({ version, hash: resolved.hash.slice(0, 12), routes: resolved.routes.length, services: resolved.services.length }, 'config version active');
    return next;
  }

  private *upstreams(s: Snapshot): Iterable<CompiledUpstream> {
    for (const svc of s.services.values()) if ('upstream' in svc) yield svc.upstream;
  }

  finished(snap: Snapshot, trace: RequestTrace): void {
    this.publish(snap, trace);
    if (--snap.inflight === 0 && this.retired.has(snap)) this.retire(snap);
  }

  /**
   * A request the HTTP parser refused, answered by the listener (400, 408, 431): it never reached
   * the data plane, but is recorded like any other (ring, store, call logs, metrics).
   */
  refused(trace: RequestTrace): void {
    this.publish(this.snap, trace);
  }

  private publish(snap: Snapshot | undefined, trace: RequestTrace): void {
    this.ring.push(trace);
    if (trace.answeredBy === 'gateway' && trace.status >= 400 && trace.status !== 499 && (snap?.settings.persistTraces ?? 'denied') === 'denied') {
      this.opts.traceSink?.(trace);
    }
    this.opts.onRequest?.(trace);
  }

  private retire(s: Snapshot): void {
    this.retired.delete(s);
    for (const svc of s.services.values()) {
      if ('upstream' in svc) for (const t of svc.upstream.targets) this.pools.release(t.poolKey);
      else void Promise.resolve(svc.handler.close?.()).catch((err: unknown) => this.log.warn({ err }, 'service close failed'));
    }
    for (const inst of s.instances) void Promise.resolve(inst.close?.()).catch((err: unknown) => this.log.warn({ err }, 'policy close failed'));
  }

  /** Requests in flight across the current and retired snapshots. */
  inflight(): number {
    let n = this.snap?.inflight ?? 0;
    for (const s of this.retired) n += s.inflight;
    return n;
  }

  trace(requestId: string): RequestTrace | undefined {
    return this.ring.get(requestId);
  }

  recentTraces(limit: number, filter?: (t: RequestTrace) => boolean): RequestTrace[] {
    return this.ring.recent(limit, filter);
  }

  simulate(input: SimulationInput): Promise<SimulationResult> {
    return simulate(this.current(), this.reasons, input);
  }

  /** Health of every target of the current config. */
  targetHealth(): { service: string; targets: ReturnType<CompiledUpstream['targets'][number]['state']['describe']>[] }[] {
    if (!this.snap) return [];
    const t = Date.now();
    return [...this.upstreams(this.snap)].map((u) => ({ service: u.serviceId, targets: u.targets.map((x) => x.state.describe(t)) }));
  }

  async close(): Promise<void> {
    this.health?.stop();
    if (this.snap) this.retire(this.snap);
    for (const s of [...this.retired]) this.retire(s);
    await this.pools.closeAll();
  }
}
