import type { CallLogRow } from './tables.js';

/**
 * Call logs are stored as chunks: one row per batch the telemetry worker writes, holding the batch's
 * records as the bytes the request path already encoded to hand them over
 * (src/telemetry/record-codec.ts), plus the distinct filter values ("terms") of the batch in an
 * index table — the layout of Loki's chunks and label index. The worker writes one row and a
 * handful of terms per batch instead of 38 columns and three index entries per request.
 *
 * The store reads and writes chunks; what is inside one is the telemetry codec's (ChunkCodec).
 */
export interface EncodedChunk {
  /** Earliest and latest request start (epoch ms) among the records. */
  readonly tsMin: number;
  readonly tsMax: number;
  readonly n: number;
  /** The records, in the order they finished. */
  readonly data: Uint8Array;
  /** Per-record values the records do not carry themselves (team and API, from the config of the time). */
  readonly owners: string;
  readonly terms: readonly string[];
}

/** Turns a chunk's bytes back into rows (positions kept: `undefined` where retention removed one). */
export interface ChunkCodec {
  decode(data: Uint8Array, owners: string): (CallLogRow | undefined)[];
  /** The chunk's bytes with the records at these positions removed (their places kept). */
  remove(data: Uint8Array, positions: ReadonlySet<number>): Uint8Array;
}

/** Records per chunk at most: a record's id is `chunk * CHUNK_RECORDS + position`. */
export const CHUNK_RECORDS = 4096;

/** A gateway-made request id (UUIDv7) carries its request's start time; within this window it needs no term. */
export const ID_TIME_WINDOW_MS = 2000;

/**
 * A record found by the time in its id must also have started at most this long before the newest
 * record of its chunk (else it gets an id term too): a lookup then reads the chunks whose newest
 * record started within [t − ID_TIME_WINDOW_MS, t + ID_TIME_WINDOW_MS + CHUNK_SPAN_MS], a bounded
 * range of the chunks' time index, whatever a long request finishing among newer ones did.
 */
export const CHUNK_SPAN_MS = 60_000;

/** The value of a hex digit's char code, or -1. */
function hex(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  return l >= 97 && l <= 102 ? l - 87 : -1;
}

/**
 * The millisecond time of a UUIDv7 request id (8-4-4-4-12 hex digits, version 7), or undefined for
 * any other id. Checked and read in one pass: it runs for every record the worker stores.
 */
export function idTime(id: string): number | undefined {
  if (id.length !== 36 || id.charCodeAt(14) !== 55) return undefined;
  let ms = 0;
  for (let i = 0; i < 36; i++) {
    const c = id.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 45) return undefined;
      continue;
    }
    const v = hex(c);
    if (v < 0) return undefined;
    // The first 48 bits (12 digits, before the version) are the time.
    if (i < 13) ms = ms * 16 + v;
  }
  return ms;
}

/** Whether a record is found by the time in its id (else it needs an `i:` term). */
export function foundByTime(requestId: string, ts: number): boolean {
  const t = idTime(requestId);
  return t !== undefined && Math.abs(t - ts) <= ID_TIME_WINDOW_MS;
}

/** A policy or the gateway refused the request (the `denied` filter; a client that left, 499, is not a refusal). */
export function isDenied(r: Pick<CallLogRow, 'answered_by' | 'policy_id' | 'status'>): boolean {
  return r.answered_by === 'gateway' && (r.policy_id !== null || (r.status >= 400 && r.status < 500 && r.status !== 499));
}

/** Term prefixes, one per filterable field (statuses are three digits: `x:400`…`x:499` is a range). */
export const TERM = {
  team: 't:', api: 'a:', service: 's:', route: 'r:', consumer: 'u:', provider: 'p:', model: 'm:', code: 'c:', status: 'x:', requestId: 'i:',
} as const;
export const DENIED_TERM = 'd';
