import type { RollupFilter, RollupStore, Totals, TopMetric } from '../../store/telemetry/rollups.js';
import { pickGrain } from '../../store/telemetry/rollups.js';
import type { RollupDim, RollupGrain } from '../../store/telemetry/tables.js';
import { DDSketch } from '../sketch/ddsketch.js';

export type AnalyticsRequest =
  | { readonly kind: 'series'; readonly filter: RollupFilter; readonly step?: number }
  | { readonly kind: 'top'; readonly filter: RollupFilter; readonly by: RollupDim; readonly metric: TopMetric | 'latency_p95'; readonly limit?: number }
  | { readonly kind: 'summary'; readonly filter: RollupFilter };

export interface Percentiles {
  readonly p50: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
}

export interface SeriesPointOut extends Totals {
  readonly t: number;
  readonly time: string;
  readonly errors: number;
  readonly latency_ms: Percentiles & { readonly avg: number | null };
  readonly gateway_ms: Percentiles;
}

export interface SeriesResult {
  readonly grain: RollupGrain;
  readonly step_ms: number;
  readonly points: SeriesPointOut[];
}

export interface SummaryResult {
  readonly grain: RollupGrain;
  readonly totals: Totals & { readonly errors: number };
  readonly latency_ms: Percentiles & { readonly avg: number | null };
  readonly gateway_ms: Percentiles;
  readonly statuses: Record<string, number>;
  readonly codes: Record<string, number>;
}

export interface TopResult {
  readonly grain: RollupGrain;
  readonly by: RollupDim;
  readonly metric: string;
  readonly items: ({ readonly key: string | null; readonly value: number } & Partial<Totals>)[];
}

const r3 = (v: number | undefined): number | null => (v === undefined ? null : Math.round(v * 1000) / 1000);

function percentiles(s: DDSketch | undefined): Percentiles {
  return { p50: r3(s?.quantile(0.5)), p95: r3(s?.quantile(0.95)), p99: r3(s?.quantile(0.99)) };
}

function merged(texts: Iterable<string>): DDSketch {
  const s = new DDSketch();
  for (const t of texts) s.merge(DDSketch.deserialize(t));
  return s;
}

/** Dashboard queries over the rollups: counters summed in SQL, sketches merged here. */
export async function analyticsQuery(store: RollupStore, req: AnalyticsRequest): Promise<SeriesResult | SummaryResult | TopResult> {
  const f = req.filter;
  const grain = f.grain ?? pickGrain(f.from, f.to);
  // Totals and rankings need no time steps: with the grain left to us, whole days come from day rows.
  const filter = { ...f, grain, cover: req.kind !== 'series' && f.grain === undefined };
  if (req.kind === 'series') {
    const [sums, sk] = await Promise.all([store.series({ ...filter, step: req.step }), store.sketches({ ...filter, step: req.step })]);
    const lat = new Map<number, DDSketch>();
    const gw = new Map<number, DDSketch>();
    for (const s of sk) {
      const k = s.key as number;
      let l = lat.get(k);
      if (!l) lat.set(k, (l = new DDSketch()));
      l.merge(DDSketch.deserialize(s.latency));
      let g = gw.get(k);
      if (!g) gw.set(k, (g = new DDSketch()));
      g.merge(DDSketch.deserialize(s.overhead));
    }
    return {
      grain,
      step_ms: sums.step,
      points: sums.points.map((p) => ({
        ...p,
        time: new Date(p.t).toISOString(),
        errors: p.client_errors + p.server_errors,
        latency_ms: { avg: p.requests ? r3(p.latency_sum / p.requests) : null, ...percentiles(lat.get(p.t)) },
        gateway_ms: percentiles(gw.get(p.t)),
      })),
    };
  }
  if (req.kind === 'summary') {
    const [sums, sk, bd] = await Promise.all([store.series({ ...filter, step: f.to - f.from + 86_400_000 }), store.sketches(filter), store.breakdown(filter)]);
    const totals = sums.points.reduce<Totals>((acc, p) => {
      for (const k of Object.keys(acc) as (keyof Totals)[]) acc[k] += p[k];
      return acc;
    }, { requests: 0, denied: 0, client_errors: 0, server_errors: 0, bytes_in: 0, bytes_out: 0, tokens_input: 0, tokens_output: 0, tokens_cached: 0, tokens_reasoning: 0, cost: 0, latency_sum: 0 });
    return {
      grain,
      totals: { ...totals, errors: totals.client_errors + totals.server_errors },
      latency_ms: { avg: totals.requests ? r3(totals.latency_sum / totals.requests) : null, ...percentiles(merged(sk.map((s) => s.latency))) },
      gateway_ms: percentiles(merged(sk.map((s) => s.overhead))),
      statuses: bd.statuses,
      codes: bd.codes,
    };
  }
  if (req.metric === 'latency_p95') {
    const sk = await store.sketches({ ...filter, by: req.by });
    const by = new Map<string, DDSketch>();
    for (const s of sk) {
      let d = by.get(s.key as string);
      if (!d) by.set(s.key as string, (d = new DDSketch()));
      d.merge(DDSketch.deserialize(s.latency));
    }
    const items = [...by]
      .filter(([, d]) => d.count > 0)
      .map(([key, d]) => ({ key: key === '' ? null : key, value: r3(d.quantile(0.95)) ?? 0, requests: d.count }))
      .sort((a, b) => b.value - a.value || String(a.key).localeCompare(String(b.key)))
      .slice(0, req.limit ?? 10);
    return { grain, by: req.by, metric: req.metric, items };
  }
  const items = await store.top({ ...filter, by: req.by, metric: req.metric, limit: req.limit });
  return { grain, by: req.by, metric: req.metric, items };
}
