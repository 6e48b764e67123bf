/**
 * DDSketch (Masson, Rim, Lee — VLDB 2019): quantiles with a bounded *relative* error, mergeable by
 * adding bucket counts. Rollups keep one per row, so p50/p95/p99 over any range are merged sketches,
 * never averages of percentiles. Values are milliseconds; at most `relativeAccuracy` off (0.5% default).
 *
 * @example
 * const s = new DDSketch();
 * for (const ms of latencies) s.add(ms);
 * s.quantile(0.99); // within 0.5% of the exact p99
 */
export class DDSketch {
  static readonly DEFAULT_ACCURACY = 0.005;
  /** Values at or below this (ms) count as zero: 1 µs is below any latency we can measure. */
  static readonly MIN_VALUE = 1e-3;

  readonly relativeAccuracy: number;
  private readonly gamma: number;
  private readonly lnGamma: number;
  private bins: number[] = [];
  private offset = 0;
  zeroCount = 0;
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;

  constructor(relativeAccuracy = DDSketch.DEFAULT_ACCURACY) {
    if (!(relativeAccuracy > 0 && relativeAccuracy < 1)) throw new Error('relative accuracy must be in (0, 1)');
    this.relativeAccuracy = relativeAccuracy;
    this.gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy);
    this.lnGamma = Math.log(this.gamma);
  }

  /** The bin of a value (−Infinity: the zero bin); with `addAt`, one logarithm serves many sketches of the same accuracy. */
  keyOf(value: number): number {
    return value > DDSketch.MIN_VALUE ? Math.ceil(Math.log(value) / this.lnGamma) : -Infinity;
  }

  /** Adds one value whose bin `keyOf` computed (by a sketch of the same accuracy). */
  addAt(value: number, key: number): void {
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (key === -Infinity) this.zeroCount++;
    else this.addToBin(key, 1);
  }

  add(value: number, n = 1): void {
    if (!(value >= 0) || n <= 0) value = 0;
    this.count += n;
    this.sum += value * n;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (value <= DDSketch.MIN_VALUE) {
      this.zeroCount += n;
      return;
    }
    this.addToBin(Math.ceil(Math.log(value) / this.lnGamma), n);
  }

  private addToBin(key: number, n: number): void {
    const bins = this.bins;
    if (bins.length === 0) {
      this.offset = key;
      bins.push(n);
      return;
    }
    if (key < this.offset) {
      const grow = this.offset - key;
      this.bins = new Array<number>(grow).fill(0).concat(bins);
      this.offset = key;
      this.bins[0] = n;
      return;
    }
    const i = key - this.offset;
    while (bins.length <= i) bins.push(0);
    bins[i]! += n;
  }

  /** The value at quantile q (0..1): the element of rank floor(q·(count−1)), within the relative accuracy. */
  quantile(q: number): number | undefined {
    if (this.count === 0) return undefined;
    if (q <= 0) return this.min;
    if (q >= 1) return this.max;
    const rank = Math.floor(q * (this.count - 1));
    let seen = this.zeroCount;
    if (seen > rank) return Math.max(this.min, 0);
    for (let i = 0; i < this.bins.length; i++) {
      seen += this.bins[i]!;
      if (seen > rank) {
        const v = (2 * Math.pow(this.gamma, i + this.offset)) / (this.gamma + 1);
        return Math.min(Math.max(v, this.min), this.max);
      }
    }
    return this.max;
  }

  merge(other: DDSketch): this {
    if (other.count === 0) return this;
    if (Math.abs(other.relativeAccuracy - this.relativeAccuracy) > 1e-12) throw new Error('cannot merge sketches of different accuracy');
    this.count += other.count;
    this.sum += other.sum;
    this.zeroCount += other.zeroCount;
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
    for (let i = 0; i < other.bins.length; i++) {
      const c = other.bins[i]!;
      if (c > 0) this.addToBin(i + other.offset, c);
    }
    return this;
  }

  /** Compact text form stored in rollup rows: `1|accuracy|count|zero|sum|min|max|offset|c,c,,c` (empty = 0). */
  serialize(): string {
    const bins = this.bins.map((c) => (c === 0 ? '' : String(c))).join(',');
    const min = this.count ? this.min : 0;
    const max = this.count ? this.max : 0;
    return `1|${this.relativeAccuracy}|${this.count}|${this.zeroCount}|${this.sum}|${min}|${max}|${this.offset}|${bins}`;
  }

  static deserialize(text: string): DDSketch {
    const parts = text.split('|');
    if (parts[0] !== '1' || parts.length !== 9) throw new Error('not a serialized DDSketch (v1)');
    const s = new DDSketch(Number(parts[1]));
    s.count = Number(parts[2]);
    s.zeroCount = Number(parts[3]);
    s.sum = Number(parts[4]);
    if (s.count > 0) {
      s.min = Number(parts[5]);
      s.max = Number(parts[6]);
    }
    s.offset = Number(parts[7]);
    s.bins = parts[8] ? parts[8].split(',').map((c) => (c === '' ? 0 : Number(c))) : [];
    return s;
  }
}
