import type { CallLog } from '../record.js';

/** An export destination of call-log records, run in the telemetry worker. */
export interface LogSink {
  /** `jsonl:<path>` or `webhook:<url>`: the label of its metrics. */
  readonly name: string;
  push(records: readonly CallLog[]): Promise<void>;
  /** Delivers what is pending (bounded in time), then releases files and timers. */
  close(): Promise<void>;
}

export interface SinkEvents {
  sent(sink: string, n: number): void;
  dropped(sink: string, n: number): void;
  error(sink: string, err: unknown): void;
}
