import type { Logger } from 'pino';
import type { RequestTrace } from '../core/trace.js';
import { BodyCapture } from './bodies/capture.js';
import type { WorkerClient } from './worker/client.js';

/**
 * The only telemetry work on the request path: append the finished trace to a bounded buffer.
 * Batches are handed to the worker from a timer (never inside a request's callback). When the
 * buffer plus what the worker has not acknowledged reaches the bound, records are dropped and
 * counted; the request never waits.
 */
export class RecordFeed {
  private buf: RequestTrace[] = [];
  private scheduled = false;
  private lastWarning = 0;
  dropped = 0;
  capacity: number;

  constructor(private readonly worker: WorkerClient, private readonly log: Logger, capacity: number, private readonly batchSize = 512) {
    this.capacity = capacity;
  }

  readonly push = (t: RequestTrace): void => {
    if (this.buf.length + this.worker.inflight >= this.capacity) {
      this.drop(1);
      return;
    }
    this.buf.push(t);
    if (this.buf.length >= this.batchSize && !this.scheduled) {
      this.scheduled = true;
      setImmediate(this.ship);
    }
  };

  get buffered(): number {
    return this.buf.length + this.worker.inflight;
  }

  readonly ship = (): void => {
    this.scheduled = false;
    if (this.buf.length === 0) return;
    const batch = this.buf;
    this.buf = [];
    let ok: boolean;
    try {
      ok = this.worker.post(batch);
    } catch {
      // Something a module annotated cannot be cloned (a function, a socket…): send its JSON form.
      try {
        ok = this.worker.post(batch.map((t) => JSON.parse(JSON.stringify(t)) as RequestTrace));
      } catch (err) {
        this.log.error({ err }, 'call-log batch could not be serialized');
        ok = false;
      }
    }
    if (!ok) this.drop(batch.length);
    for (const t of batch) {
      const b = t.annotations?.['bodies'];
      if (b instanceof BodyCapture) b.release();
    }
  };

  private drop(n: number): void {
    this.dropped += n;
    const t = Date.now();
    if (t - this.lastWarning > 10_000) {
      this.lastWarning = t;
      this.log.warn({ dropped: this.dropped, capacity: this.capacity }, 'call-log buffer full: records dropped (requests are not slowed down)');
    }
  }
}
