import type { PolicyRef, RequestTrace, TraceEntry } from '../core/trace.js';

/**
 * The bytes a batch of finished requests crosses to the telemetry worker in, and is stored in as a
 * call-log chunk. v8 serialization (what postMessage does) writes every property name and every
 * string of every record again; a batch repeats nearly all of them (field names, route and policy
 * ids, phases, details, upstream targets). Here the fields of a RequestTrace are positional and
 * each distinct string is written once per batch, then referred to by its index: the proxy route's
 * record is about a fifth of its v8 size, and encoding and decoding make fewer strings.
 *
 * Layout: tag byte 0x02 (v8's own bytes start with 0xFF), then the records to the end of the bytes.
 * A record starts with its field flags (varint; 0 is a removed record), then the fields in
 * the order of `writeRecord`. A string is a varint: odd, the index (×2+1) of a string seen before in
 * this batch; even, a new one: its UTF-8 length ×2, then its bytes. Every new string takes the next
 * index, even one the encoder knows no record repeats (a request id) and never refers back to.
 * Free-form values (entry data, annotations) are tagged (see Tag). A value that cannot be stored (a
 * function, a symbol) is stored as undefined, and objects nested deeper than MAX_DEPTH are cut
 * there, rather than failing the whole batch.
 */
export const RECORDS_TAG = 0x02;

/** Decoding: record-decode.ts. */

/** A record as a chunk holds it: the trace, with its masked bodies when they were captured. */
export type StoredRecord = RequestTrace & { readonly bodiesText?: { readonly request: string | null; readonly response: string | null } };

/** A record's field flags (which optional fields follow). */
export const F = {
  Present: 1, Host: 2, Route: 4, Service: 8, Consumer: 16, Credential: 32, Code: 64, DecidedBy: 128,
  Upstream: 256, Simulated: 512, BytesIn: 1024, BytesOut: 2048, UpstreamFacts: 4096, Annotations: 8192, BodiesText: 16384,
} as const;
/** A trace entry's field flags. */
export const E = { Policy: 1, Step: 2, Code: 4, Detail: 8, Enforced: 16, EnforcedTrue: 32, Data: 64 } as const;
/** The type of a free-form value. */
export const Tag = { Undefined: 0, Null: 1, False: 2, True: 3, Int: 4, Float: 5, String: 6, Array: 7, Object: 8, Bytes: 9, Date: 10, BigInt: 11 } as const;

const MAX_DEPTH = 32;

/** A batch's buffer starts this size; one grown past KEPT_BYTES (bodies captured) is not kept for the next. */
const FIRST_BYTES = 16 * 1024;
const KEPT_BYTES = 1024 * 1024;

class Writer {
  private u8 = new Uint8Array(FIRST_BYTES);
  private dv = new DataView(this.u8.buffer);
  private pos = 0;
  private readonly strings = new Map<string, number>();
  /** The index the next new string gets (the decoder numbers every new string it reads). */
  private next = 0;

  private room(n: number): void {
    if (this.pos + n <= this.u8.length) return;
    let size = this.u8.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.u8.subarray(0, this.pos));
    this.u8 = next;
    this.dv = new DataView(next.buffer);
  }

  /** A non-negative integer up to 2^53. */
  uint(n: number): void {
    this.room(8);
    const u8 = this.u8;
    while (n > 0xffffffff) {
      u8[this.pos++] = (n % 128) | 0x80;
      n = Math.floor(n / 128);
    }
    while (n > 0x7f) {
      u8[this.pos++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    u8[this.pos++] = n;
  }

  f64(n: number): void {
    this.room(8);
    this.dv.setFloat64(this.pos, n, true);
    this.pos += 8;
  }

  str(s: string): void {
    const seen = this.strings.get(s);
    if (seen !== undefined) return this.uint(seen * 2 + 1);
    this.strings.set(s, this.next);
    this.unique(s);
  }

  /** A new string, written whole; called directly for one no record of the batch repeats (a request id). */
  unique(s: string): void {
    this.next++;
    const len = s.length;
    this.room(5 + 3 * len);
    const u8 = this.u8;
    // Short ASCII strings (nearly all of a trace) are copied by hand: cheaper than a native call.
    if (len < 64) {
      const at = this.pos;
      let i = 0;
      for (; i < len; i++) {
        const c = s.charCodeAt(i);
        if (c > 0x7f) break;
        u8[at + 1 + i] = c;
      }
      if (i === len) {
        u8[at] = len * 2;
        this.pos = at + 1 + len;
        return;
      }
    }
    const bytes = Buffer.byteLength(s);
    this.uint(bytes * 2);
    Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength).write(s, this.pos, 'utf8');
    this.pos += bytes;
  }

  bytes(b: ArrayBufferView): void {
    this.uint(b.byteLength);
    this.room(b.byteLength);
    this.u8.set(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), this.pos);
    this.pos += b.byteLength;
  }

  num(n: number): void {
    if (Number.isInteger(n) && n >= -0x80000000 && n <= 0x7fffffff) {
      this.room(6);
      this.u8[this.pos++] = Tag.Int;
      this.uint(((n << 1) ^ (n >> 31)) >>> 0);
    } else {
      this.room(9);
      this.u8[this.pos++] = Tag.Float;
      this.f64(n);
    }
  }

  value(v: unknown, depth = 0): void {
    this.room(1);
    switch (typeof v) {
      case 'string':
        this.u8[this.pos++] = Tag.String;
        return this.str(v);
      case 'number':
        return this.num(v);
      case 'boolean':
        this.u8[this.pos++] = v ? Tag.True : Tag.False;
        return;
      case 'bigint':
        this.u8[this.pos++] = Tag.BigInt;
        return this.str(v.toString());
      case 'object':
        break;
      default:
        this.u8[this.pos++] = Tag.Undefined;
        return;
    }
    if (v === null) {
      this.u8[this.pos++] = Tag.Null;
      return;
    }
    if (depth >= MAX_DEPTH) {
      this.u8[this.pos++] = Tag.Undefined;
      return;
    }
    if (Array.isArray(v)) {
      this.u8[this.pos++] = Tag.Array;
      this.uint(v.length);
      for (const x of v as unknown[]) this.value(x, depth + 1);
      return;
    }
    if (ArrayBuffer.isView(v)) {
      this.u8[this.pos++] = Tag.Bytes;
      return this.bytes(v);
    }
    if (v instanceof Date) {
      this.u8[this.pos++] = Tag.Date;
      return this.f64(v.getTime());
    }
    this.u8[this.pos++] = Tag.Object;
    const o = v as Record<string, unknown>;
    // Own enumerable keys (as Object.keys, without its array per object): for-in walks V8's cached
    // key list; inherited keys are possible only below a prototype other than Object's (or none).
    const proto: unknown = Object.getPrototypeOf(o);
    const plain = proto === Object.prototype || proto === null;
    let n = 0;
    for (const k in o) if (plain || Object.hasOwn(o, k)) n++;
    this.uint(n);
    for (const k in o) {
      if (!plain && !Object.hasOwn(o, k)) continue;
      this.str(k);
      this.value(o[k], depth + 1);
    }
  }

  /** Bytes written and strings known so far: `rewind` goes back there. */
  get at(): number {
    return this.pos;
  }

  get known(): number {
    return this.next;
  }

  rewind(pos: number, known: number): void {
    this.pos = pos;
    this.next = known;
    for (const [s, i] of this.strings) if (i >= known) this.strings.delete(s);
  }

  /** Empty again: a new batch, in the buffer grown so far unless it outgrew KEPT_BYTES. */
  reset(): void {
    this.pos = 0;
    this.next = 0;
    this.strings.clear();
    if (this.u8.length > KEPT_BYTES) {
      this.u8 = new Uint8Array(FIRST_BYTES);
      this.dv = new DataView(this.u8.buffer);
    }
  }

  finish(): Uint8Array<ArrayBuffer> {
    // A copy the size of the bytes: the message transfers (and the store keeps) exactly them.
    return this.u8.slice(0, this.pos);
  }
}

function writeRecord(w: Writer, r: StoredRecord | null | undefined): void {
  if (!r) return w.uint(0);
  const up = r.upstream;
  const flags =
    F.Present | (r.host !== undefined ? F.Host : 0) | (r.routeId !== undefined ? F.Route : 0) | (r.serviceId !== undefined ? F.Service : 0) |
    (r.consumerId !== undefined ? F.Consumer : 0) | (r.credentialId !== undefined ? F.Credential : 0) | (r.code !== undefined ? F.Code : 0) |
    (r.decidedBy !== undefined ? F.DecidedBy : 0) | (r.answeredBy === 'upstream' ? F.Upstream : 0) | (r.simulated ? F.Simulated : 0) |
    (r.bytesIn !== undefined ? F.BytesIn : 0) | (r.bytesOut !== undefined ? F.BytesOut : 0) | (up !== undefined ? F.UpstreamFacts : 0) |
    (r.annotations !== undefined ? F.Annotations : 0) | (r.bodiesText !== undefined ? F.BodiesText : 0);
  w.uint(flags);
  w.unique(r.requestId);
  w.f64(r.timestamp);
  w.uint(r.configVersion);
  w.str(r.method);
  w.str(r.path);
  w.str(r.clientIp);
  w.uint(r.status);
  w.f64(r.durationMs);
  if (r.host !== undefined) w.str(r.host);
  if (r.routeId !== undefined) w.str(r.routeId);
  if (r.serviceId !== undefined) w.str(r.serviceId);
  if (r.consumerId !== undefined) w.str(r.consumerId);
  if (r.credentialId !== undefined) w.str(r.credentialId);
  if (r.code !== undefined) w.str(r.code);
  if (r.decidedBy !== undefined) writePolicy(w, r.decidedBy);
  if (r.bytesIn !== undefined) w.num(r.bytesIn);
  if (r.bytesOut !== undefined) w.num(r.bytesOut);
  if (up !== undefined) w.value(up);
  if (r.annotations !== undefined) w.value(r.annotations);
  if (r.bodiesText !== undefined) w.value(r.bodiesText);
  w.uint(r.entries.length);
  for (const e of r.entries) writeEntry(w, e);
}

function writePolicy(w: Writer, p: PolicyRef): void {
  w.str(p.id);
  w.str(p.name);
  w.str(p.scope);
}

function writeEntry(w: Writer, e: TraceEntry): void {
  const flags =
    (e.policy !== undefined ? E.Policy : 0) | (e.step !== undefined ? E.Step : 0) | (e.code !== undefined ? E.Code : 0) | (e.detail !== undefined ? E.Detail : 0) |
    (e.enforced !== undefined ? E.Enforced | (e.enforced ? E.EnforcedTrue : 0) : 0) | (e.data !== undefined ? E.Data : 0);
  w.uint(flags);
  if (e.policy !== undefined) writePolicy(w, e.policy);
  if (e.step !== undefined) w.str(e.step);
  w.str(e.phase);
  w.str(e.outcome);
  if (e.code !== undefined) w.str(e.code);
  if (e.detail !== undefined) w.str(e.detail);
  if (e.data !== undefined) w.value(e.data);
  w.f64(e.ms);
}

/**
 * A batch being encoded record by record: the request path encodes a trace as it finishes, so the
 * trace's objects die young instead of waiting in a buffer for the next batch (held ~50 ms at 15k
 * requests/s, they outlived young-generation collections and were copied, then promoted).
 */
export class RecordBatchEncoder {
  private readonly w = new Writer();
  count = 0;

  constructor() {
    this.w.uint(RECORDS_TAG);
  }

  /** null: a record removed, its place kept. A record that fails to encode leaves the batch as it was. */
  add(r: StoredRecord | null | undefined): void {
    const w = this.w;
    const at = w.at;
    const known = w.known;
    try {
      writeRecord(w, r);
    } catch (err) {
      w.rewind(at, known);
      throw err;
    }
    this.count++;
  }

  /**
   * The batch's bytes, in a buffer of their own (to transfer). The encoder starts a new batch, in
   * the buffer it grew for this one: a busy gateway does not grow one per batch.
   */
  finish(): Uint8Array<ArrayBuffer> {
    const out = this.w.finish();
    this.w.reset();
    this.w.uint(RECORDS_TAG);
    this.count = 0;
    return out;
  }
}

/** The bytes of a batch of records (null: a record removed, its place kept). */
export function encodeRecords(records: readonly (StoredRecord | null | undefined)[]): Uint8Array<ArrayBuffer> {
  const e = new RecordBatchEncoder();
  for (const r of records) e.add(r);
  return e.finish();
}
