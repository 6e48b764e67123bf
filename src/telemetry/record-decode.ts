import type { PolicyRef, RequestTrace, TraceEntry } from '../core/trace.js';
import { E, F, RECORDS_TAG, Tag, type StoredRecord } from './record-codec.js';

/** Reads what record-codec.ts encodes (its comment has the layout). */
class Reader {
  private pos = 0;
  private readonly dv: DataView;
  private readonly buf: Buffer;
  private readonly strings: string[] = [];

  constructor(private readonly u8: Uint8Array) {
    this.dv = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
    this.buf = Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
  }

  get done(): boolean {
    return this.pos >= this.u8.length;
  }

  byte(): number {
    if (this.pos >= this.u8.length) throw new RangeError('call-log record bytes end early');
    return this.u8[this.pos++]!;
  }

  uint(): number {
    let b = this.byte();
    if (b < 0x80) return b;
    let n = b & 0x7f;
    let scale = 128;
    do {
      b = this.byte();
      n += (b & 0x7f) * scale;
      scale *= 128;
    } while (b >= 0x80);
    return n;
  }

  f64(): number {
    const n = this.dv.getFloat64(this.pos, true);
    this.pos += 8;
    return n;
  }

  str(): string {
    const k = this.uint();
    if (k & 1) {
      const s = this.strings[(k - 1) / 2];
      if (s === undefined) throw new RangeError('call-log record bytes refer to an unknown string');
      return s;
    }
    const end = this.pos + k / 2;
    if (end > this.u8.length) throw new RangeError('call-log record bytes end early');
    const s = this.buf.toString('utf8', this.pos, end);
    this.pos = end;
    this.strings.push(s);
    return s;
  }

  value(): unknown {
    switch (this.byte()) {
      case Tag.Undefined:
        return undefined;
      case Tag.Null:
        return null;
      case Tag.False:
        return false;
      case Tag.True:
        return true;
      case Tag.Int: {
        const z = this.uint();
        return (z >>> 1) ^ -(z & 1);
      }
      case Tag.Float:
        return this.f64();
      case Tag.String:
        return this.str();
      case Tag.Array: {
        const n = this.uint();
        const a: unknown[] = new Array<unknown>(n);
        for (let i = 0; i < n; i++) a[i] = this.value();
        return a;
      }
      case Tag.Object: {
        const n = this.uint();
        const o: Record<string, unknown> = {};
        for (let i = 0; i < n; i++) {
          const k = this.str();
          o[k] = this.value();
        }
        return o;
      }
      case Tag.Bytes: {
        const n = this.uint();
        if (this.pos + n > this.u8.length) throw new RangeError('call-log record bytes end early');
        // A Buffer of its own bytes, as structured clone gives back.
        const b = Buffer.from(this.u8.slice(this.pos, this.pos + n).buffer);
        this.pos += n;
        return b;
      }
      case Tag.Date:
        return new Date(this.f64());
      case Tag.BigInt:
        return BigInt(this.str());
      default:
        throw new RangeError('call-log record bytes hold an unknown value tag');
    }
  }

  policy(): PolicyRef {
    return { id: this.str(), name: this.str(), scope: this.str() as PolicyRef['scope'] };
  }

  entry(): TraceEntry {
    const f = this.uint();
    const e: { -readonly [K in keyof TraceEntry]: TraceEntry[K] } = { phase: 'route', outcome: 'allow', ms: 0 };
    if (f & E.Policy) e.policy = this.policy();
    if (f & E.Step) e.step = this.str() as TraceEntry['step'];
    e.phase = this.str() as TraceEntry['phase'];
    e.outcome = this.str() as TraceEntry['outcome'];
    if (f & E.Code) e.code = this.str();
    if (f & E.Detail) e.detail = this.str();
    if (f & E.Enforced) e.enforced = (f & E.EnforcedTrue) !== 0;
    if (f & E.Data) e.data = this.value() as TraceEntry['data'];
    e.ms = this.f64();
    return e;
  }

  record(): StoredRecord | null {
    const f = this.uint();
    if (f === 0) return null;
    const r: { -readonly [K in keyof StoredRecord]: StoredRecord[K] } = {
      requestId: this.str(), timestamp: this.f64(), configVersion: this.uint(), method: this.str(), path: this.str(), clientIp: this.str(),
      status: this.uint(), durationMs: this.f64(), answeredBy: f & F.Upstream ? 'upstream' : 'gateway', simulated: (f & F.Simulated) !== 0, entries: [],
    };
    if (f & F.Host) r.host = this.str();
    if (f & F.Route) r.routeId = this.str();
    if (f & F.Service) r.serviceId = this.str();
    if (f & F.Consumer) r.consumerId = this.str();
    if (f & F.Credential) r.credentialId = this.str();
    if (f & F.Code) r.code = this.str();
    if (f & F.DecidedBy) r.decidedBy = this.policy();
    if (f & F.BytesIn) r.bytesIn = this.value() as number;
    if (f & F.BytesOut) r.bytesOut = this.value() as number;
    if (f & F.UpstreamFacts) r.upstream = this.value() as RequestTrace['upstream'];
    if (f & F.Annotations) r.annotations = this.value() as RequestTrace['annotations'];
    if (f & F.BodiesText) r.bodiesText = this.value() as StoredRecord['bodiesText'];
    const n = this.uint();
    const entries: TraceEntry[] = new Array<TraceEntry>(n);
    for (let i = 0; i < n; i++) entries[i] = this.entry();
    r.entries = entries;
    return r;
  }
}

/** The records of `encodeRecords`' bytes, in order (null where one was removed). */
export function decodeRecords(data: Uint8Array): (StoredRecord | null)[] {
  const r = new Reader(data);
  if (data.length === 0 || r.uint() !== RECORDS_TAG) throw new RangeError('not call-log record bytes');
  const out: (StoredRecord | null)[] = [];
  while (!r.done) out.push(r.record());
  return out;
}
