import { crc32 } from './crc32.js';
import { DEFAULT_MAX_FRAME, FramingError, type FrameDecoder } from './framing-error.js';

export type EventStreamHeaderValue = string | number | boolean | Uint8Array;

/** One `application/vnd.amazon.eventstream` message. */
export interface EventStreamMessage {
  readonly headers: Readonly<Record<string, EventStreamHeaderValue>>;
  readonly payload: Uint8Array;
}

const PRELUDE = 12;
const MIN_MESSAGE = PRELUDE + 4;

/**
 * AWS binary event stream (Bedrock ConverseStream): `[total len u32][headers len u32][prelude crc]
 * [headers][payload][message crc]`, big-endian. Both CRCs are checked; a frame cut off by the end of
 * the body is an error. Buffers at most one frame (bounded by `maxFrame`).
 */
export class AwsEventStreamDecoder implements FrameDecoder<EventStreamMessage> {
  private buf = new Uint8Array(0);
  private len = 0;
  private readonly utf8 = new TextDecoder('utf-8', { fatal: true });

  constructor(private readonly maxFrame: number = DEFAULT_MAX_FRAME) {}

  push(bytes: Uint8Array): EventStreamMessage[] {
    this.append(bytes);
    const out: EventStreamMessage[] = [];
    let pos = 0;
    while (this.len - pos >= PRELUDE) {
      const view = new DataView(this.buf.buffer, this.buf.byteOffset + pos, PRELUDE);
      const total = view.getUint32(0);
      const headersLen = view.getUint32(4);
      if (crc32(this.buf, pos, pos + 8) !== view.getUint32(8)) throw new FramingError('event stream prelude CRC mismatch');
      if (total < MIN_MESSAGE || total > this.maxFrame || headersLen > total - MIN_MESSAGE) {
        throw new FramingError(`event stream message length ${total} is invalid`);
      }
      if (this.len - pos < total) break;
      const end = pos + total;
      const expected = new DataView(this.buf.buffer, this.buf.byteOffset + end - 4, 4).getUint32(0);
      if (crc32(this.buf, pos, end - 4) !== expected) throw new FramingError('event stream message CRC mismatch');
      const headersStart = pos + PRELUDE;
      const payloadStart = headersStart + headersLen;
      out.push({
        headers: this.headers(headersStart, payloadStart),
        payload: this.buf.slice(payloadStart, end - 4),
      });
      pos = end;
    }
    if (pos > 0) {
      this.buf.copyWithin(0, pos, this.len);
      this.len -= pos;
    }
    return out;
  }

  end(): EventStreamMessage[] {
    if (this.len > 0) throw new FramingError(`event stream ended inside a message (${this.len} bytes left)`);
    return [];
  }

  private append(bytes: Uint8Array): void {
    const need = this.len + bytes.length;
    if (need > this.buf.length) {
      const next = new Uint8Array(Math.max(need, this.buf.length * 2, 1024));
      next.set(this.buf.subarray(0, this.len));
      this.buf = next;
    }
    this.buf.set(bytes, this.len);
    this.len = need;
  }

  private headers(start: number, end: number): Record<string, EventStreamHeaderValue> {
    const b = this.buf;
    const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const out: Record<string, EventStreamHeaderValue> = {};
    let p = start;
    const need = (n: number): void => {
      if (p + n > end) throw new FramingError('event stream header overruns its section');
    };
    while (p < end) {
      need(1);
      const nameLen = b[p]!;
      need(1 + nameLen + 1);
      const name = this.utf8.decode(b.subarray(p + 1, p + 1 + nameLen));
      p += 1 + nameLen;
      const type = b[p++]!;
      let value: EventStreamHeaderValue;
      switch (type) {
        case 0:
          value = true;
          break;
        case 1:
          value = false;
          break;
        case 2:
          need(1);
          value = view.getInt8(p);
          p += 1;
          break;
        case 3:
          need(2);
          value = view.getInt16(p);
          p += 2;
          break;
        case 4:
          need(4);
          value = view.getInt32(p);
          p += 4;
          break;
        case 5:
        case 8:
          need(8);
          value = Number(view.getBigInt64(p));
          p += 8;
          break;
        case 6:
        case 7: {
          need(2);
          const n = view.getUint16(p);
          need(2 + n);
          const raw = b.slice(p + 2, p + 2 + n);
          value = type === 7 ? this.utf8.decode(raw) : raw;
          p += 2 + n;
          break;
        }
        case 9:
          need(16);
          value = b.slice(p, p + 16);
          p += 16;
          break;
        default:
          throw new FramingError(`event stream header "${name}" has unknown type ${type}`);
      }
      out[name] = value;
    }
    return out;
  }
}
