import type { CallLog } from '../record.js';
import type { LogSink, SinkEvents } from './sink.js';

export interface WebhookOptions {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly batchSize: number;
  readonly flushMs: number;
  readonly timeoutMs: number;
  readonly maxQueue: number;
  readonly retries: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

/**
 * POSTs batches (a JSON array of records) to an HTTP endpoint, one request at a time, with retries
 * and exponential backoff. The queue is bounded: when the receiver is slow or down, the oldest
 * records are dropped and counted; nothing ever waits on it upstream of the worker.
 */
export class WebhookSink implements LogSink {
  readonly name: string;
  private queue: CallLog[] = [];
  private sending: Promise<void> | undefined;
  private readonly timer: NodeJS.Timeout;
  private closing = false;

  constructor(private readonly o: WebhookOptions, private readonly events: SinkEvents) {
    this.name = `webhook:${new URL(o.url).origin}`;
    this.timer = setInterval(() => this.kick(), o.flushMs);
    this.timer.unref();
  }

  push(records: readonly CallLog[]): Promise<void> {
    this.queue.push(...records);
    const over = this.queue.length - this.o.maxQueue;
    if (over > 0) {
      this.queue.splice(0, over);
      this.events.dropped(this.name, over);
    }
    if (this.queue.length >= this.o.batchSize) this.kick();
    return Promise.resolve();
  }

  private kick(): void {
    if (this.sending || this.queue.length === 0) return;
    this.sending = this.drain().finally(() => {
      this.sending = undefined;
      if (this.queue.length >= this.o.batchSize && !this.closing) this.kick();
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.o.batchSize);
      await this.deliver(batch);
      if (!this.closing && this.queue.length < this.o.batchSize) return;
    }
  }

  private async deliver(batch: CallLog[]): Promise<void> {
    const body = JSON.stringify(batch);
    let lastErr: unknown;
    for (let attempt = 0; attempt <= this.o.retries; attempt++) {
      if (attempt > 0) await sleep(Math.min(250 * 2 ** (attempt - 1), 5000));
      try {
        const res = await fetch(this.o.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'sluice-call-logs', ...this.o.headers },
          body,
          signal: AbortSignal.timeout(this.o.timeoutMs),
        });
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) {
          this.events.sent(this.name, batch.length);
          return;
        }
        lastErr = new Error(`webhook answered ${res.status}`);
        if (res.status < 500 && res.status !== 429 && res.status !== 408) break;
      } catch (err) {
        lastErr = err;
      }
    }
    this.events.dropped(this.name, batch.length);
    this.events.error(this.name, lastErr);
  }

  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.timer);
    while (this.sending) await this.sending;
    if (this.queue.length > 0) {
      this.sending = this.drain();
      await this.sending;
    }
  }
}
