import type { CallLogFilter } from '../../store/telemetry/call-logs.js';
import type { DimensionTable } from '../dimensions.js';
import type { TelemetrySettings } from '../settings.js';
import type { AnalyticsRequest } from './analytics.js';

/** What the worker is started with (`workerData`). */
export interface WorkerInit {
  readonly url: string;
  readonly schema?: string;
  readonly node: string;
}

/** Operations answered by the worker (in order with the records posted before them). */
export interface WorkerOps {
  logs: CallLogFilter;
  log: string;
  tail: undefined;
  analytics: AnalyticsRequest;
  metrics: undefined;
  flush: undefined;
  retention: number | undefined;
}

export type ToWorker =
  /** A batch of RequestTraces, encoded by the sender (record-codec.ts; the bytes become the call-log chunk). */
  | { readonly t: 'records'; readonly data: Uint8Array; readonly n: number }
  | { readonly t: 'settings'; readonly settings: TelemetrySettings }
  | { readonly t: 'dims'; readonly table: DimensionTable }
  | { readonly t: 'call'; readonly id: number; readonly op: keyof WorkerOps; readonly arg: unknown }
  | { readonly t: 'close' };

export type FromWorker =
  | { readonly t: 'ready' }
  | { readonly t: 'ack'; readonly n: number }
  | { readonly t: 'result'; readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly t: 'result'; readonly id: number; readonly ok: false; readonly error: string; readonly name: string }
  | { readonly t: 'log'; readonly level: 'info' | 'warn' | 'error'; readonly obj: Record<string, unknown>; readonly msg: string }
  | { readonly t: 'closed' };
