import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

/** What the main thread knows that the worker does not: buffer state, config, upstream health. */
export interface GatewayFacts {
  dropped(): number;
  lost(): number;
  buffered(): number;
  capacity(): number;
  inflight(): number;
  config(): { version: number; hash: string } | undefined;
  health(): { service: string; targets: { url: string; healthy: boolean }[] }[];
}

/** Metrics of the main thread, read when scraped (nothing is updated per request). */
export function gatewayRegistry(facts: GatewayFacts): Registry {
  const registry = new Registry();
  // sluice_process_cpu_seconds_total, sluice_nodejs_heap_size_used_bytes, …
  collectDefaultMetrics({ register: registry, prefix: 'sluice_' });
  new Counter({
    name: 'sluice_log_records_dropped_total',
    help: 'Call-log records dropped because the buffer was full or the writer was down (requests are never slowed down).',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(facts.dropped() + facts.lost());
    },
  });
  new Gauge({ name: 'sluice_log_buffer_records', help: 'Call-log records waiting to be written.', registers: [registry], collect() { this.set(facts.buffered()); } });
  new Gauge({ name: 'sluice_log_buffer_capacity', help: 'Bound of the call-log buffer.', registers: [registry], collect() { this.set(facts.capacity()); } });
  new Gauge({ name: 'sluice_requests_in_flight', help: 'Requests being handled now.', registers: [registry], collect() { this.set(facts.inflight()); } });
  new Gauge({ name: 'sluice_config_version', help: 'Version of the active config.', registers: [registry], collect() { this.set(facts.config()?.version ?? 0); } });
  new Gauge({
    name: 'sluice_config_info',
    help: 'The active config (value 1), labelled with its version and hash.',
    labelNames: ['version', 'hash'] as const,
    registers: [registry],
    collect() {
      this.reset();
      const c = facts.config();
      if (c) this.set({ version: String(c.version), hash: c.hash.slice(0, 12) }, 1);
    },
  });
  new Gauge({
    name: 'sluice_upstream_target_healthy',
    help: 'Health of each upstream target (1 healthy, 0 unhealthy or ejected), from active and passive checks.',
    labelNames: ['service', 'target'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const s of facts.health()) for (const t of s.targets) this.set({ service: s.service, target: t.url }, t.healthy ? 1 : 0);
    },
  });
  return registry;
}
