import { existsSync } from 'node:fs';
import { sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { FromWorker, ToWorker, WorkerInit, WorkerOps } from './protocol.js';

/** The compiled worker script (from the TypeScript sources under vitest: the build's copy). */
function workerScript(): URL {
  const here = new URL('./main.js', import.meta.url);
  const file = fileURLToPath(here);
  if (existsSync(file)) return here;
  const built = file.replace(`${sep}src${sep}telemetry${sep}`, `${sep}dist${sep}telemetry${sep}`);
  if (existsSync(built)) return pathToFileURL(built);
  throw new Error(`the telemetry worker is not built (${built}): run npm run build`);
}

/**
 * The worker's young generation is capped: by default it grows to the main thread's size (tens of
 * MiB) although a batch of records dies within one write. At 8 MiB the process's RSS under load
 * (no-policy route, c=50) was 222 → 196 MiB, with the same worker CPU per record.
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 8 } as const;

/** The worker is not running (starting, restarting after a crash, or stopped) or does not answer; the message is for operators. */
export class TelemetryUnavailableError extends Error {
  override readonly name = 'TelemetryUnavailableError';
}

export class WorkerCallError extends Error {
  constructor(message: string, readonly remoteName: string) {
    super(message);
    this.name = 'WorkerCallError';
  }
}

/**
 * Main-thread side of the telemetry worker: posts batches and settings, answers calls by id, tracks
 * the records in flight (they count against the buffer bound), and restarts a worker that died.
 */
export class WorkerClient {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly calls = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  /** Records posted and not yet acknowledged. */
  inflight = 0;
  /** Records lost because the worker died with them. */
  lost = 0;
  private closing: Promise<void> | undefined;
  private replay: ToWorker[] = [];
  private restarts = 0;

  constructor(private readonly init: WorkerInit, private readonly log: Logger) {}

  start(): Promise<void> {
    // A restarted worker writes rollups under its own id: it must not overwrite what its predecessor wrote.
    const init: WorkerInit = this.restarts ? { ...this.init, node: `${this.init.node}.r${this.restarts}` } : this.init;
    const w = new Worker(workerScript(), { workerData: init, name: 'sluice-telemetry', resourceLimits: WORKER_LIMITS });
    this.worker = w;
    const ready = new Promise<void>((resolve, reject) => {
      const onMsg = (m: FromWorker): void => {
        if (m.t === 'ready') {
          w.off('error', reject);
          resolve();
        }
      };
      w.on('message', onMsg);
      w.once('error', reject);
    });
    w.on('message', (m: FromWorker) => this.onMessage(m));
    w.on('error', (err) => this.log.error({ err }, 'telemetry worker failed'));
    w.on('exit', (code) => this.onExit(w, code));
    for (const m of this.replay) w.postMessage(m);
    return ready;
  }

  private onMessage(m: FromWorker): void {
    switch (m.t) {
      case 'ack':
        this.inflight = Math.max(0, this.inflight - m.n);
        break;
      case 'result': {
        const c = this.calls.get(m.id);
        if (!c) return;
        this.calls.delete(m.id);
        if (m.ok) c.resolve(m.value);
        else c.reject(new WorkerCallError(m.error, m.name));
        break;
      }
      case 'log':
        this.log[m.level]({ ...m.obj, component: 'telemetry' }, m.msg);
        break;
      default:
        break;
    }
  }

  private onExit(w: Worker, code: number): void {
    if (w !== this.worker) return;
    this.worker = undefined;
    this.lost += this.inflight;
    this.inflight = 0;
    for (const c of this.calls.values()) c.reject(new TelemetryUnavailableError('The telemetry worker stopped (it restarts by itself after a crash)'));
    this.calls.clear();
    if (this.closing) return;
    this.restarts++;
    this.log.error({ code, restarts: this.restarts }, 'telemetry worker exited; restarting it');
    const t = setTimeout(() => {
      if (!this.closing) this.start().catch((err: unknown) => this.log.error({ err }, 'telemetry worker restart failed'));
    }, Math.min(30_000, 500 * 2 ** Math.min(this.restarts, 6)));
    t.unref();
  }

  get alive(): boolean {
    return this.worker !== undefined;
  }

  /** Settings and dimension tables are replayed to a restarted worker. */
  configure(m: Extract<ToWorker, { t: 'settings' } | { t: 'dims' }>): void {
    this.replay = [...this.replay.filter((x) => x.t !== m.t || (m.t === 'dims' && x.t === 'dims' && x.table.version !== m.table.version)), m].slice(-10);
    this.worker?.postMessage(m);
  }

  /**
   * Hands a batch of `n` records over, as record-codec.ts encoded them: the bytes the worker keeps
   * as the call-log chunk it stores. Transferred, not copied (the buffer is the bytes' own). False
   * when the worker is down (the caller counts the batch as dropped).
   */
  post(data: Uint8Array<ArrayBuffer>, n: number): boolean {
    const w = this.worker;
    if (!w) return false;
    w.postMessage({ t: 'records', data, n } satisfies ToWorker, [data.buffer]);
    this.inflight += n;
    return true;
  }

  /** An operation answered in order after the records posted before it; bounded in time (a store that hangs must not hang the admin API). */
  call<K extends keyof WorkerOps>(op: K, arg: WorkerOps[K], timeoutMs = 30_000): Promise<unknown> {
    const w = this.worker;
    if (!w) return Promise.reject(new TelemetryUnavailableError('The telemetry worker is not running (it restarts by itself after a crash)'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.calls.delete(id);
        reject(new TelemetryUnavailableError(`The telemetry worker did not answer within ${timeoutMs / 1000} s (is the store reachable?)`));
      }, timeoutMs);
      timer.unref();
      const done = () => clearTimeout(timer);
      this.calls.set(id, { resolve: (v) => (done(), resolve(v)), reject: (e) => (done(), reject(e)) });
      w.postMessage({ t: 'call', id, op, arg } satisfies ToWorker);
    });
  }

  /** Lets the worker write everything posted so far, then stops it. */
  close(timeoutMs = 15_000): Promise<void> {
    this.closing ??= (async () => {
      const w = this.worker;
      if (!w) return;
      const closed = new Promise<void>((resolve) => {
        w.on('message', (m: FromWorker) => m.t === 'closed' && resolve());
        w.once('exit', () => resolve());
      });
      w.postMessage({ t: 'close' } satisfies ToWorker);
      const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), timeoutMs).unref());
      if ((await Promise.race([closed, timer])) === 'timeout') this.log.warn({ inflight: this.inflight }, 'telemetry worker did not finish in time');
      await w.terminate();
    })();
    return this.closing;
  }
}
