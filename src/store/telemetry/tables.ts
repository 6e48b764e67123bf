import type { Generated } from 'kysely';

/** Tables of call logs and analytics rollups (migrations 200-…), kept apart from schema.ts. */
export type TelemetryTables = {
  call_log_chunks: CallLogChunkRow;
  call_log_terms: CallLogTermRow;
  rollups: RollupRow;
  rollup_slices: SliceRow;
};

/** Call logs as chunks (migration 203; see chunks.ts): a batch of records in one row. */
export interface CallLogChunkRow {
  id: Generated<number>;
  /** Earliest and latest request start (epoch ms) among the chunk's records. */
  ts_min: number;
  ts_max: number;
  /** Records left in the chunk (retention removes records but keeps their places). */
  n: number;
  /** Team and API of each record (src/telemetry/chunk-codec.ts). */
  owners: string;
  data: Uint8Array;
}

/** A filter value (`r:orders`, `x:403`…) present in a chunk. */
export interface CallLogTermRow {
  term: string;
  chunk: number;
}

/** One request, flattened for filtering; the decision trace and captured bodies as JSON text. */
export interface CallLogRow {
  ts: number;
  request_id: string;
  team: string | null;
  api: string | null;
  service_id: string | null;
  route_id: string | null;
  consumer_id: string | null;
  credential_id: string | null;
  client_ip: string;
  method: string;
  path: string;
  host: string | null;
  status: number;
  answered_by: string;
  code: string | null;
  policy_id: string | null;
  config_version: number;
  duration_ms: number;
  overhead_ms: number | null;
  connect_ms: number | null;
  first_byte_ms: number | null;
  upstream_ms: number | null;
  bytes_in: number | null;
  bytes_out: number | null;
  upstream_target: string | null;
  attempts: number | null;
  provider: string | null;
  model: string | null;
  ai_attempts: number | null;
  tokens_input: number | null;
  tokens_output: number | null;
  tokens_cached: number | null;
  tokens_reasoning: number | null;
  cost: number | null;
  /** JSON: `{ entries, decidedBy, annotations }` of the RequestTrace (the rest is in the columns). */
  trace: string;
  request_body: string | null;
  response_body: string | null;
}

export type RollupGrain = 'minute' | 'hour' | 'day';

export const GRAIN_MS: Readonly<Record<RollupGrain, number>> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** The dimensions of a full rollup cell ('' = none, e.g. a request refused before authentication has no consumer). */
export interface RollupDims {
  team: string;
  api: string;
  route: string;
  consumer: string;
  provider: string;
  model: string;
}

export const ROLLUP_DIMS = ['team', 'api', 'route', 'consumer', 'provider', 'model'] as const;

export type RollupDim = (typeof ROLLUP_DIMS)[number];

/** Additive measures of a rollup row (summed across rows and nodes). */
export interface RollupMeasures {
  requests: number;
  denied: number;
  client_errors: number;
  server_errors: number;
  bytes_in: number;
  bytes_out: number;
  tokens_input: number;
  tokens_output: number;
  tokens_cached: number;
  tokens_reasoning: number;
  cost: number;
  latency_sum: number;
}

export const ROLLUP_MEASURES = [
  'requests', 'denied', 'client_errors', 'server_errors', 'bytes_in', 'bytes_out',
  'tokens_input', 'tokens_output', 'tokens_cached', 'tokens_reasoning', 'cost', 'latency_sum',
] as const satisfies readonly (keyof RollupMeasures)[];

/**
 * One (grain, bucket, writer node, dimensions) row. A node rewrites its own rows with its full
 * in-memory state (no read-modify-write); readers sum over nodes and merge the sketches.
 */
export interface RollupRow extends RollupDims, RollupMeasures {
  grain: RollupGrain;
  bucket: number;
  node: string;
  /** JSON `{ "200": n, … }`. */
  statuses: string;
  /** JSON `{ "auth.key_missing": n, … }` (gateway-produced answers). */
  codes: string;
  /** Serialized DDSketch of the total duration (ms). */
  latency: string;
  /** Serialized DDSketch of the gateway's own time (ms). */
  overhead: string;
}

/**
 * A slice: the total of every full cell of one (grain, bucket, node) with one dimension value —
 * `dim` '' and `value` '' is the grand total. Dashboards read slices (migration 202): a week of
 * gateway-wide or one-API latency is 168 hourly rows, whatever the cardinality of consumers and routes.
 */
export interface SliceRow extends RollupMeasures {
  grain: RollupGrain;
  bucket: number;
  node: string;
  dim: RollupDim | '';
  value: string;
  statuses: string;
  codes: string;
  latency: string;
  overhead: string;
}

/** PostgreSQL returns BIGINT and NUMERIC columns as strings (SQLite as numbers): read both as numbers. */
export function int8(v: number | string | bigint): number {
  return Number(v);
}
