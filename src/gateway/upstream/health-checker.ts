import type { Logger } from 'pino';
import type { CompiledUpstream, UpstreamTarget } from './compile.js';

/**
 * Active health checks: a GET to each target's probe path every interval. `unhealthy_threshold`
 * consecutive failures take a target out; `healthy_threshold` successes bring it back. Runs for the
 * current snapshot only; target state survives reloads.
 */
export class ActiveHealthChecker {
  private readonly timers: NodeJS.Timeout[] = [];
  private stopped = false;

  constructor(upstreams: Iterable<CompiledUpstream>, private readonly log: Logger) {
    for (const up of upstreams) {
      if (!up.active) continue;
      for (const t of up.targets) this.schedule(up, t);
    }
  }

  private schedule(up: CompiledUpstream, t: UpstreamTarget): void {
    const cfg = up.active!;
    const tick = async () => {
      const ok = await this.probe(t, cfg.path, cfg.timeoutMs, cfg.expected);
      if (this.stopped) return;
      const s = t.state;
      if (ok) {
        s.activeFailures = 0;
        if (!s.activeHealthy && ++s.activeSuccesses >= cfg.healthyThreshold) {
          s.activeHealthy = true;
          this.log.info({ service: up.serviceId, target: t.state.url }, 'target healthy again (active check)');
        }
      } else {
        s.activeSuccesses = 0;
        if (s.activeHealthy && ++s.activeFailures >= cfg.unhealthyThreshold) {
          s.activeHealthy = false;
          this.log.warn({ service: up.serviceId, target: t.state.url, error: s.lastError }, 'target unhealthy (active check)');
        }
      }
    };
    const timer = setInterval(() => void tick(), cfg.intervalMs);
    timer.unref();
    this.timers.push(timer);
    void tick();
  }

  private async probe(t: UpstreamTarget, path: string, timeoutMs: number, expected: (s: number) => boolean): Promise<boolean> {
    try {
      const r = await t.pool.request({ method: 'GET', path, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, headers: { 'user-agent': 'sluice-health-check' } });
      await r.body.dump();
      if (!expected(r.statusCode)) t.state.lastError = `health check status ${r.statusCode}`;
      return expected(r.statusCode);
    } catch (err) {
      t.state.lastError = `health check: ${(err as { code?: string }).code ?? (err as Error).message}`;
      return false;
    }
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
  }
}
