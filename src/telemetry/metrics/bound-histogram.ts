import type { Metric, Registry } from 'prom-client';

/** One label set of a BoundHistogram: what a request's observation touches. */
export interface HistogramSeries {
  observe(value: number): void;
}

/** What prom-client's Registry reads from a metric's get() to format it. */
interface HistogramValues {
  readonly name: string;
  readonly help: string;
  readonly type: 'histogram';
  readonly aggregator: 'sum';
  readonly values: { readonly metricName: string; readonly labels: Readonly<Record<string, string | number>>; readonly sharedLabels?: Readonly<Record<string, string>>; readonly value: number }[];
}

interface Series extends HistogramSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly counts: Float64Array;
  sum: number;
  count: number;
  /** False after a reset until the next observation: a reset series is not written, as in prom-client. */
  shown: boolean;
}

/**
 * A Prometheus histogram whose label sets are bound once (`series`), so an observation is a bucket
 * search and three additions. prom-client's own Histogram validates and hashes the labels again on
 * every observe, even through a bound child: about a microsecond per call, three calls per request
 * in the telemetry worker. It is registered in a prom-client Registry, which formats it exactly as
 * its own histograms (`_bucket` with cumulative `le` counts and `+Inf`, `_sum`, `_count`).
 */
export class BoundHistogram<L extends string> {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly bounds: Float64Array;
  private readonly all = new Map<string, Series>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly L[],
    buckets: readonly number[],
    registry: Registry,
  ) {
    this.bounds = Float64Array.from([...buckets].sort((a, b) => a - b));
    registry.registerMetric(this as unknown as Metric);
  }

  /** The series of one label set (created on first use, then reused: bind it once per label set). */
  series(labels: Readonly<Record<L, string>>): HistogramSeries {
    const key = this.labelNames.map((n) => labels[n]).join('\u0001');
    let s = this.all.get(key);
    if (!s) {
      const bounds = this.bounds;
      const counts = new Float64Array(bounds.length);
      const own: Record<string, string> = {};
      for (const n of this.labelNames) own[n] = labels[n];
      const series: Series = {
        labels: own,
        counts,
        sum: 0,
        count: 0,
        shown: true,
        observe(value: number): void {
          if (!Number.isFinite(value)) return;
          series.shown = true;
          series.sum += value;
          series.count++;
          // Non-cumulative here; get() accumulates. A value above the last bound is only in +Inf.
          for (let i = 0; i < bounds.length; i++) {
            if (value <= bounds[i]!) {
              counts[i]!++;
              break;
            }
          }
        },
      };
      s = series;
      this.all.set(key, s);
    }
    return s;
  }

  get(): HistogramValues {
    const values: HistogramValues['values'] = [];
    const bucket = `${this.name}_bucket`;
    // Series in the order they were bound; `le` first, as prom-client writes it.
    for (const s of this.all.values()) {
      if (!s.shown) continue;
      let acc = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        acc += s.counts[i]!;
        values.push({ metricName: bucket, labels: { le: this.bounds[i]! }, sharedLabels: s.labels, value: acc });
      }
      values.push({ metricName: bucket, labels: { le: '+Inf' }, sharedLabels: s.labels, value: s.count });
      values.push({ metricName: `${this.name}_sum`, labels: s.labels, value: s.sum });
      values.push({ metricName: `${this.name}_count`, labels: s.labels, value: s.count });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** Zeroes every series in place: series bound before the reset (held by callers) keep counting. */
  reset(): void {
    for (const s of this.all.values()) {
      s.counts.fill(0);
      s.sum = 0;
      s.count = 0;
      s.shown = false;
    }
  }
}
