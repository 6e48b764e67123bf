import type { Logger } from 'pino';
import type { RequestTrace } from '../core/trace.js';
import { BodyCapture } from './bodies/capture.js';
import { RecordBatchEncoder } from './record-codec.js';
import type { WorkerClient } from './worker/client.js';

/**
 * The only telemetry work on the request path: encode the finished trace into the batch being
 * filled (record-codec.ts), bounded. Batches are handed to the worker from a timer (never inside a
 * request's callback). When the batch plus what the worker has not acknowledged reaches the bound,
 * records are dropped and counted; the request never waits.
 */
export class RecordFeed {
  private readonly batch = new RecordBatchEncoder();
  private scheduled = false;
  private lastWarning = 0;
  dropped = 0;
  capacity: number;

  constructor(private readonly worker: WorkerClient, private readonly log: Logger, capacity: number, private readonly batchSize = 512) {
    this.capacity = capacity;
  }

  readonly push = (t: RequestTrace): void => {
    const batch = this.batch;
    if (batch.count + this.worker.inflight >= this.capacity) {
      this.drop(1);
      return;
    }
    try {
      batch.add(t);
    } catch (err) {
      // Not expected (what cannot be stored is stored as undefined): the record is lost, not the batch.
      this.log.error({ err }, 'call-log record could not be encoded');
      this.drop(1);
      return;
    }
    // The captured bytes are in the batch now; the trace ring keeps only their sizes.
    const b = t.annotations?.['bodies'];
    if (b instanceof BodyCapture) b.release();
    if (batch.count >= this.batchSize && !this.scheduled) {
      this.scheduled = true;
      setImmediate(this.ship);
    }
  };

  get buffered(): number {
    return this.batch.count + this.worker.inflight;
  }

  readonly ship = (): void => {
    this.scheduled = false;
    const n = this.batch.count;
    if (n === 0) return;
    if (!this.worker.post(this.batch.finish(), n)) this.drop(n);
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
