import type { Pool } from 'undici';
import { parseDuration } from '../../core/duration.js';
import type { UpstreamConfig } from '../../config/schema.js';
import { LeastConnections, RoundRobin, type Balancer } from './balancer.js';
import type { PoolManager } from './pools.js';
import type { PassiveHealth, TargetRegistry, TargetState } from './target.js';

export interface UpstreamTarget {
  readonly state: TargetState;
  readonly weight: number;
  readonly pool: Pool;
  readonly poolKey: string;
  readonly origin: string;
  /** The trace detail of an answer from this target: `<origin> answered <status>`. */
  readonly answered: (status: number) => string;
}

export interface ActiveHealth {
  readonly path: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly healthyThreshold: number;
  readonly unhealthyThreshold: number;
  readonly expected: (status: number) => boolean;
}

/** A service's upstream, compiled once per config version. */
export interface CompiledUpstream {
  readonly serviceId: string;
  readonly targets: readonly UpstreamTarget[];
  readonly balancer: Balancer<UpstreamTarget>;
  readonly preserveHost: boolean;
  readonly firstByteMs: number;
  readonly totalMs: number;
  readonly retries: { readonly attempts: number; readonly baseMs: number; readonly maxMs: number; readonly onStatus: ReadonlySet<number> };
  readonly passive: PassiveHealth | undefined;
  readonly active: ActiveHealth | undefined;
}

/** One string per status seen, instead of one per request (the trace's detail for every answer). */
function answeredText(origin: string): (status: number) => string {
  const seen = new Map<number, string>();
  return (status) => {
    let text = seen.get(status);
    if (text === undefined) {
      text = `${origin} answered ${status}`;
      seen.set(status, text);
    }
    return text;
  };
}

const ms = (v: number | string | undefined, dflt: number): number => (v === undefined ? dflt : parseDuration(v) ?? dflt);

export function compileUpstream(serviceId: string, u: UpstreamConfig, pools: PoolManager, registry: TargetRegistry): CompiledUpstream {
  const poolOpts = {
    connectTimeoutMs: ms(u.timeouts?.connect, 5_000),
    connections: u.pool?.connections ?? 256,
    keepAliveMs: ms(u.pool?.keep_alive, 60_000),
  };
  const targets = u.targets.map((t): UpstreamTarget => {
    const url = typeof t === 'string' ? t : t.url;
    const origin = new URL(url).origin;
    const { pool, key } = pools.acquire(origin, poolOpts);
    return { state: registry.get(serviceId, url, origin), weight: typeof t === 'string' ? 100 : t.weight ?? 100, pool, poolKey: key, origin, answered: answeredText(origin) };
  });
  const p = u.health?.passive;
  const a = u.health?.active;
  const expected = a?.expected_status ? new Set(a.expected_status) : undefined;
  return {
    serviceId,
    targets,
    balancer: u.balance === 'least-connections' ? new LeastConnections(targets) : new RoundRobin(targets),
    preserveHost: u.preserve_host ?? false,
    firstByteMs: ms(u.timeouts?.first_byte, 60_000),
    totalMs: ms(u.timeouts?.total, 300_000),
    retries: {
      attempts: u.retries?.attempts ?? 1,
      baseMs: ms(u.retries?.backoff, 25),
      maxMs: ms(u.retries?.max_backoff, 250),
      onStatus: new Set(u.retries?.on_status ?? [502, 503, 504]),
    },
    // Passive health is on by default: 5 consecutive failures eject a target for 30 s.
    passive: { failures: p?.failures ?? 5, ejectionMs: ms(p?.ejection, 30_000), onStatus: new Set(p?.on_status ?? [502, 503, 504]) },
    active: a
      ? {
          path: a.path,
          intervalMs: ms(a.interval, 10_000),
          timeoutMs: ms(a.timeout, 2_000),
          healthyThreshold: a.healthy_threshold ?? 2,
          unhealthyThreshold: a.unhealthy_threshold ?? 3,
          expected: expected ? (s) => expected.has(s) : (s) => s >= 200 && s < 400,
        }
      : undefined,
  };
}
