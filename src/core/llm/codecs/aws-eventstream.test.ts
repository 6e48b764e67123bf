import { describe, expect, it } from 'vitest';
import { fixtureBytes, fixtureJson, splits } from '../test-support/fixtures.js';
import { AwsEventStreamDecoder, type EventStreamMessage } from './aws-eventstream.js';
import { crc32 } from './crc32.js';
import { FramingError } from './framing-error.js';

function decodeAll(parts: readonly Uint8Array[]): EventStreamMessage[] {
  const d = new AwsEventStreamDecoder();
  const out: EventStreamMessage[] = [];
  for (const p of parts) out.push(...d.push(p));
  out.push(...d.end());
  return out;
}

interface Decoded {
  headers: Record<string, string>;
  payload: unknown;
  total_length: number;
}

/** A cheap exact comparison key (deep equality of many Uint8Arrays is slow in expect). */
function fingerprint(msgs: readonly EventStreamMessage[]): string {
  return msgs.map((m) => JSON.stringify(m.headers) + Buffer.from(m.payload).toString('hex')).join('|');
}

describe('AwsEventStreamDecoder', () => {
  it('computes the IEEE CRC-32 check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  for (const name of ['converse-stream-text', 'converse-stream-tool-use']) {
    it(`bedrock/${name}: frames match the decoded listing, for every way of splitting the bytes`, () => {
      const bytes = fixtureBytes(`bedrock/${name}.response.eventstream.bin`);
      const listing = fixtureJson<Decoded[]>(`bedrock/${name}.response.eventstream.decoded.json`);
      const reference = decodeAll([bytes]);
      expect(reference.map((m) => ({ headers: m.headers, payload: JSON.parse(new TextDecoder().decode(m.payload)) as unknown }))).toEqual(
        listing.map((l) => ({ headers: l.headers, payload: l.payload })),
      );
      const key = fingerprint(reference);
      for (const { name: how, parts } of splits(bytes)) {
        const got = fingerprint(decodeAll(parts));
        if (got !== key) expect(got, how).toBe(key);
      }
    });
  }

  it('rejects a corrupted payload, a corrupted prelude and a truncated frame', () => {
    const bytes = fixtureBytes('bedrock/converse-stream-text.response.eventstream.bin');
    const payloadFlip = bytes.slice();
    payloadFlip[40] = payloadFlip[40]! ^ 0xff;
    expect(() => decodeAll([payloadFlip])).toThrow(/message CRC/);
    const preludeFlip = bytes.slice();
    preludeFlip[2] = preludeFlip[2]! ^ 0x01;
    expect(() => decodeAll([preludeFlip])).toThrow(/prelude CRC/);
    expect(() => decodeAll([bytes.subarray(0, bytes.length - 3)])).toThrow(FramingError);
  });

  it('refuses a frame larger than the bound before buffering it', () => {
    const bytes = fixtureBytes('bedrock/converse-stream-text.response.eventstream.bin');
    expect(() => new AwsEventStreamDecoder(100).push(bytes)).toThrow(/length/);
  });
});
