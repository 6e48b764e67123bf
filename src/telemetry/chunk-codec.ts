import { deserialize } from 'node:v8';
import type { PolicyRef, RequestTrace } from '../core/trace.js';
import { CHUNK_RECORDS, CHUNK_SPAN_MS, DENIED_TERM, foundByTime, TERM, type ChunkCodec, type EncodedChunk } from '../store/telemetry/chunks.js';
import type { CallLogRow } from '../store/telemetry/tables.js';
import { bodySizes } from './bodies/capture.js';
import { renderBodies, type Masker } from './bodies/mask.js';
import type { Owner } from './dimensions.js';
import { callFacts, presentRow, toRow, type CallFacts } from './record.js';
import { encodeRecords, RECORDS_TAG, type StoredRecord } from './record-codec.js';
import { decodeRecords } from './record-decode.js';

/**
 * What is inside a call-log chunk (src/store/telemetry/chunks.ts): the batch's records as
 * record-codec.ts encodes them — the very bytes the request path made to hand the batch to the
 * worker, so storing costs no encoding — and, beside it, the team and API of each record. Chunks
 * written by earlier builds hold v8 serializations, still read.
 */

/** Distinct (team, API) pairs and, per record, the index of its own. */
interface Owners {
  readonly o: [team: string | null, api: string | null][];
  readonly i: number[];
}

/** Collects what a chunk needs besides its bytes, record by record (in the order they finished). */
class ChunkBuilder {
  private tsMin = Infinity;
  private tsMax = -Infinity;
  private readonly terms = new Set<string>();
  private readonly ownerIndex = new Map<string, number>();
  private readonly owners: Owners = { o: [], i: [] };
  /** Records found by the time in their id, unless they started too long before the chunk's newest. */
  private readonly timed: RequestTrace[] = [];
  private lastOwner = -1;
  /** The values whose terms the previous record added. */
  private readonly last: { service?: string; route?: string; consumer?: string; provider?: string; model?: string; code?: string; status?: number } = {};
  /** Some record captured bodies: the chunk stores them masked, so not the bytes as received. */
  withBodies = false;
  n = 0;

  add(f: CallFacts): void {
    const t = f.trace;
    if (t.timestamp < this.tsMin) this.tsMin = t.timestamp;
    if (t.timestamp > this.tsMax) this.tsMax = t.timestamp;
    this.owners.i.push(this.ownerOf(f.owner.team ?? null, f.owner.api ?? null));
    // Consecutive records mostly share their values: a term is added when a value changes.
    const terms = this.terms;
    if (t.serviceId !== undefined && t.serviceId !== this.last.service) terms.add(TERM.service + (this.last.service = t.serviceId));
    if (t.routeId !== undefined && t.routeId !== this.last.route) terms.add(TERM.route + (this.last.route = t.routeId));
    if (t.consumerId !== undefined && t.consumerId !== this.last.consumer) terms.add(TERM.consumer + (this.last.consumer = t.consumerId));
    const ai = f.ai;
    if (ai?.provider !== undefined && ai.provider !== this.last.provider) terms.add(TERM.provider + (this.last.provider = ai.provider));
    if (ai?.model !== undefined && ai.model !== this.last.model) terms.add(TERM.model + (this.last.model = ai.model));
    if (t.code && t.code !== this.last.code) terms.add(TERM.code + (this.last.code = t.code));
    if (t.status !== this.last.status) terms.add(TERM.status + String((this.last.status = t.status)));
    if (f.denied) terms.add(DENIED_TERM);
    if (!foundByTime(t.requestId, t.timestamp)) terms.add(TERM.requestId + t.requestId);
    else this.timed.push(t);
    if (f.bodies) this.withBodies = true;
    this.n++;
  }

  /** The index of a (team, API) pair in the chunk's owners, the previous record's without a lookup. */
  private ownerOf(team: string | null, api: string | null): number {
    const last = this.owners.o[this.lastOwner];
    if (last && last[0] === team && last[1] === api) return this.lastOwner;
    const key = `${team ?? ''}\u0001${api ?? ''}\u0001${team === null ? 0 : 1}${api === null ? 0 : 1}`;
    let k = this.ownerIndex.get(key);
    if (k === undefined) {
      this.ownerIndex.set(key, (k = this.owners.o.length));
      this.owners.o.push([team, api]);
      if (team !== null) this.terms.add(TERM.team + team);
      if (api !== null) this.terms.add(TERM.api + api);
    }
    return (this.lastOwner = k);
  }

  finish(data: Uint8Array): EncodedChunk {
    // A record that started long before the chunk's newest is found by an id term (see CHUNK_SPAN_MS).
    for (const t of this.timed) if (t.timestamp < this.tsMax - CHUNK_SPAN_MS) this.terms.add(TERM.requestId + t.requestId);
    return { tsMin: this.tsMin, tsMax: this.tsMax, n: this.n, data, owners: JSON.stringify(this.owners), terms: [...this.terms] };
  }
}

function storedRecord(f: CallFacts, masker: Masker): StoredRecord {
  if (!f.bodies) return f.trace;
  const annotations = { ...f.trace.annotations, bodies: bodySizes(f.bodies) };
  return { ...f.trace, annotations, bodiesText: renderBodies(f.bodies, masker) };
}

/**
 * Chunks of at most CHUNK_RECORDS records. `raws`: the v8 bytes of exactly these traces, batch by
 * batch as received; stored as they are unless bodies were captured (those are stored masked, never
 * as received). Without them the traces are serialized here.
 */
export function encodeChunks(facts: readonly CallFacts[], raws: readonly Uint8Array[] | undefined, masker: Masker): EncodedChunk[] {
  const out: EncodedChunk[] = [];
  for (let i = 0; i < facts.length; i += CHUNK_RECORDS) {
    const part = facts.length <= CHUNK_RECORDS ? facts : facts.slice(i, i + CHUNK_RECORDS);
    const b = new ChunkBuilder();
    for (const f of part) b.add(f);
    const asReceived = part === facts && raws !== undefined && raws.length > 0 && !b.withBodies;
    out.push(b.finish(asReceived ? pack(raws) : encodeRecords(part.map((f) => storedRecord(f, masker)))));
  }
  return out;
}

/**
 * Several batches' bytes as one chunk: a tag byte (record-codec's bytes start with 0x02, v8's with
 * 0xFF), the number of parts, each part's length (u32 LE), then the parts. One part is stored as it is.
 */
const PARTS = 0x01;

function pack(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const head = Buffer.alloc(5 + 4 * parts.length);
  head[0] = PARTS;
  head.writeUInt32LE(parts.length, 1);
  parts.forEach((p, i) => head.writeUInt32LE(p.byteLength, 5 + 4 * i));
  return Buffer.concat([head, ...parts]);
}

/** One part: record-codec bytes, or a v8 serialization (chunks written before record-codec). */
function records(part: Uint8Array): (StoredRecord | null)[] {
  return part[0] === RECORDS_TAG ? decodeRecords(part) : (deserialize(part) as (StoredRecord | null)[]);
}

function unpack(data: Uint8Array): (StoredRecord | null)[] {
  if (data[0] !== PARTS) return records(data);
  const b = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const n = b.readUInt32LE(1);
  const out: (StoredRecord | null)[] = [];
  let at = 5 + 4 * n;
  for (let i = 0; i < n; i++) {
    const len = b.readUInt32LE(5 + 4 * i);
    for (const r of records(b.subarray(at, at + len))) out.push(r);
    at += len;
  }
  return out;
}

function rowOf(s: StoredRecord, owner: Owner): CallLogRow {
  const { bodiesText, ...trace } = s;
  return toRow(callFacts(trace, undefined, owner), bodiesText);
}

export const chunkCodec: ChunkCodec = {
  decode(data, owners) {
    const o = JSON.parse(owners) as Owners;
    return unpack(data).map((s, k) => {
      if (!s) return undefined;
      const [team, api] = o.o[o.i[k] ?? -1] ?? [null, null];
      return rowOf(s, { team: team ?? undefined, api: api ?? undefined });
    });
  },
  remove(data, positions) {
    const kept = unpack(data);
    for (const p of positions) kept[p] = null;
    return encodeRecords(kept);
  },
};

/**
 * Rows of the table of one row per request (before migration 203) as chunks: each row's trace is
 * rebuilt as `sluice explain` shows it, with its AI facts and bodies.
 */
export function chunksOfRows(rows: readonly CallLogRow[]): EncodedChunk[] {
  const out: EncodedChunk[] = [];
  for (let i = 0; i < rows.length; i += CHUNK_RECORDS) {
    const part = rows.slice(i, i + CHUNK_RECORDS);
    const b = new ChunkBuilder();
    const records: StoredRecord[] = [];
    for (const r of part) {
      const s = recordOfRow(r);
      records.push(s);
      b.add(callFacts(s, undefined, { team: r.team ?? undefined, api: r.api ?? undefined }));
    }
    out.push(b.finish(encodeRecords(records)));
  }
  return out;
}

/** PostgreSQL returns BIGINT and NUMERIC columns as strings. */
const num = (v: number | string | null): number | undefined => (v === null ? undefined : Number(v));

function recordOfRow(r: CallLogRow): StoredRecord {
  const trace = presentRow(r, true).trace!;
  const hasAi = r.provider !== null || r.model !== null || r.tokens_input !== null;
  const ai = trace.annotations?.['ai'] ?? (hasAi
    ? { provider: r.provider ?? undefined, model: r.model ?? undefined, attempts: num(r.ai_attempts), cost: num(r.cost),
        tokens: { input: num(r.tokens_input) ?? 0, output: num(r.tokens_output) ?? 0, cached: num(r.tokens_cached) ?? 0, reasoning: num(r.tokens_reasoning) ?? 0, cache_write: 0 } }
    : undefined);
  const annotations = ai ? { ...trace.annotations, ai } : trace.annotations;
  const bodiesText = r.request_body !== null || r.response_body !== null ? { request: r.request_body, response: r.response_body } : undefined;
  // Rows of stored format 1 kept who decided only in their column (a policy id is scope:owner:name).
  const decidedBy = trace.decidedBy ?? (r.policy_id !== null ? legacyPolicy(r.policy_id) : undefined);
  return { ...trace, ...(decidedBy ? { decidedBy } : {}), ...(annotations ? { annotations } : {}), ...(bodiesText ? { bodiesText } : {}) };
}

function legacyPolicy(id: string): PolicyRef {
  const parts = id.split(':');
  const scope = parts[0];
  return { id, name: parts.at(-1) ?? id, scope: scope === 'global' || scope === 'service' || scope === 'route' || scope === 'consumer' ? scope : 'route' };
}
