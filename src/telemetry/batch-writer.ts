import type { Logger } from 'pino';

export interface BatchWriterOptions<T> {
  /** Writes one batch; rejections are logged and the batch is dropped (and counted). */
  readonly write: (items: T[]) => Promise<void>;
  readonly log: Logger;
  /** Max items waiting; beyond it new items are dropped and counted, never blocking the caller. */
  readonly capacity?: number;
  readonly batchSize?: number;
  readonly flushEveryMs?: number;
  readonly name: string;
}

/**
 * Asynchronous batched writes off the request path: `push` only appends to a bounded buffer.
 * A timer flushes it; `close` flushes what is left (clean shutdown loses nothing).
 */
export class BatchWriter<T> {
  private buffer: T[] = [];
  private flushing: Promise<void> | undefined;
  private readonly timer: NodeJS.Timeout;
  private closed = false;
  dropped = 0;
  written = 0;
  failed = 0;
  private lastDropWarning = 0;

  constructor(private readonly o: BatchWriterOptions<T>) {
    this.timer = setInterval(() => void this.flush(), o.flushEveryMs ?? 250);
    this.timer.unref();
  }

  push(item: T): void {
    if (this.closed || this.buffer.length >= (this.o.capacity ?? 10_000)) {
      this.dropped++;
      const t = Date.now();
      if (t - this.lastDropWarning > 10_000) {
        this.lastDropWarning = t;
        this.o.log.warn({ writer: this.o.name, dropped: this.dropped }, 'write buffer full: records dropped');
      }
      return;
    }
    this.buffer.push(item);
    if (this.buffer.length >= (this.o.batchSize ?? 500)) void this.flush();
  }

  get pending(): number {
    return this.buffer.length;
  }

  /** Writes everything buffered now (waits for a flush in progress first). */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    this.flushing = this.o
      .write(batch)
      .then(() => {
        this.written += batch.length;
      })
      .catch((err: unknown) => {
        this.failed += batch.length;
        this.o.log.error({ err, writer: this.o.name, records: batch.length }, 'batch write failed: records dropped');
      })
      .finally(() => {
        this.flushing = undefined;
      });
    await this.flushing;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.flush();
    await this.flush();
  }
}
