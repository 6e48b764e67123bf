import { deserialize, serialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import type { RequestTrace } from '../core/trace.js';
import { BodyCapture } from './bodies/capture.js';
import { encodeRecords, RecordBatchEncoder, RECORDS_TAG, type StoredRecord } from './record-codec.js';
import { decodeRecords } from './record-decode.js';

const T0 = 1_700_000_000_123;

function trace(p: Partial<StoredRecord>): StoredRecord {
  return {
    requestId: '018bcfe5-6800-7000-8000-000000000000', timestamp: T0, configVersion: 7, method: 'GET', path: '/orders/1', clientIp: '10.0.0.1',
    status: 200, answeredBy: 'upstream', simulated: false, durationMs: 3.257, routeId: 'orders', serviceId: 'shop',
    entries: [{ step: 'upstream', phase: 'upstream', outcome: 'allow', detail: 'http://shop answered 200', data: { connectMs: 0.5 }, ms: 2.5 }],
    ...p,
  };
}

/** What v8 serialization (structured clone) gives back, the behaviour the codec replaces. */
const cloned = (x: unknown): unknown => deserialize(serialize(x));

describe('call-log record codec', () => {
  it('gives back every field of every kind of trace, as structured clone does', () => {
    const cap = new BodyCapture(8, true, true);
    cap.request(Buffer.from('{"a":1}'));
    const records: StoredRecord[] = [
      trace({}),
      trace({
        requestId: 'from-a-trusted-caller', host: 'api.example.com', consumerId: 'bob', credentialId: 'bob-key', status: 403, answeredBy: 'gateway',
        code: 'acl.denied', decidedBy: { id: 'route:orders:acl', name: 'acl', scope: 'route' }, bytesIn: 0, bytesOut: 312, simulated: true,
        entries: [
          { policy: { id: 'route:orders:acl', name: 'acl', scope: 'route' }, phase: 'authorize', outcome: 'deny', code: 'acl.denied', detail: 'consumer bob is not in group admins', enforced: true, data: { groups: ['staff', 'ops'], nested: { deep: [1, -2, 3.5, null, true, false] } }, ms: 0.012 },
          { policy: { id: 'global:ip', name: 'ip-restriction', scope: 'global' }, phase: 'guard', outcome: 'deny', enforced: false, ms: 0 },
        ],
      }),
      trace({
        method: 'POST', path: '/v1/chat/completions', upstream: { attempts: 2, firstByteMs: 41.5, target: 'https://api.openai.com' },
        annotations: {
          ai: { provider: 'openai', model: 'gpt-4o-mini', tokens: { input: 12, output: 2 ** 40, cached: 0 }, cost: 0.0000102, stream: false },
          bodies: cap, when: new Date(T0), big: 12345678901234567890n, min: -0x80000000, max: 0x7fffffff, unsafe: 2 ** 53 + 2, negative: -1e-9, nan: NaN, inf: -Infinity,
        },
        bodiesText: { request: '{"a":1}', response: null },
      }),
      // Strings past the short ASCII path: non-ASCII, long, empty.
      trace({ path: '/café/\u{1F600}/ünïcødé', clientIp: '', entries: [{ phase: 'route', outcome: 'skip', detail: 'x'.repeat(70_000), ms: 1e-6 }] }),
    ];
    const back = decodeRecords(encodeRecords(records));
    expect(back).toEqual(cloned(records));
    // Same string values decode to one string (interned per batch): route ids, phases, details.
    expect(back[0]!.entries[0]!.detail).toBe(back[2]!.entries[0]!.detail);
  });

  it('keeps removed records in their places and starts with its own tag (v8 bytes start with 0xFF)', () => {
    const bytes = encodeRecords([trace({ requestId: 'a' }), null, trace({ requestId: 'c' })]);
    expect(bytes[0]).toBe(RECORDS_TAG);
    expect(serialize([])[0]).toBe(0xff);
    expect(decodeRecords(bytes).map((r) => r?.requestId ?? null)).toEqual(['a', null, 'c']);
  });

  it('stores what cannot be stored as undefined, and cuts objects nested too deep, rather than failing the batch', () => {
    type Deep = { next?: Deep };
    const deep: Deep = {};
    let at = deep;
    for (let i = 0; i < 100; i++) at = at.next = {};
    const [r] = decodeRecords(encodeRecords([trace({ annotations: { fn: () => 1, sym: Symbol('x'), deep } })]));
    expect(r!.annotations!['fn']).toBeUndefined();
    expect(r!.annotations!['sym']).toBeUndefined();
    let depth = 0;
    for (let d = r!.annotations!['deep'] as Deep | undefined; d; d = d.next) depth++;
    expect(depth).toBeGreaterThan(20);
    expect(depth).toBeLessThan(40);
  });

  it('leaves the batch as it was when a record fails to encode (a getter that throws): the others are kept', () => {
    const batch = new RecordBatchEncoder();
    batch.add(trace({ requestId: 'a' }));
    const bad = trace({ requestId: 'b', routeId: 'only-in-the-bad-one', annotations: { get boom(): unknown { throw new Error('no') } } });
    expect(() => batch.add(bad)).toThrow('no');
    batch.add(trace({ requestId: 'c', routeId: 'only-in-the-bad-one' }));
    expect(batch.count).toBe(2);
    expect(decodeRecords(batch.finish()).map((r) => [r?.requestId, r?.routeId])).toEqual([['a', 'orders'], ['c', 'only-in-the-bad-one']]);
  });

  it('writes request ids whole (not looked up) and still numbers them: strings after them, and an id repeated, decode right', () => {
    const records = [
      trace({ requestId: 'orders' }),
      trace({ requestId: 'orders', consumerId: 'orders', code: 'x.y' }),
      trace({ requestId: 'x.y', routeId: 'x.y' }),
    ];
    const bytes = encodeRecords(records);
    expect(decodeRecords(bytes)).toEqual(cloned(records));
  });

  it('stores an object\'s own enumerable keys only, as structured clone does (not inherited or hidden ones)', () => {
    class Sizes { constructor(readonly request: number, readonly response: number) {} get total(): number { return this.request + this.response; } }
    const base = { inherited: 1 };
    const child = Object.assign(Object.create(base) as Record<string, unknown>, { own: 2 });
    Object.defineProperty(child, 'hidden', { value: 3, enumerable: false });
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { x: 'y' });
    const records = [trace({ annotations: { sizes: new Sizes(1, 2), child, bare } })];
    const [back] = decodeRecords(encodeRecords(records));
    expect(back?.annotations).toEqual({ sizes: { request: 1, response: 2 }, child: { own: 2 }, bare: { x: 'y' } });
    expect(back?.annotations).toEqual((cloned(records) as StoredRecord[])[0]!.annotations);
  });

  it('starts a new batch after finishing one: each batch decodes alone (no string refers to the previous one)', () => {
    const batch = new RecordBatchEncoder();
    batch.add(trace({ requestId: 'a' }));
    const first = batch.finish();
    expect(batch.count).toBe(0);
    batch.add(trace({ requestId: 'b' }));
    batch.add(trace({ requestId: 'c' }));
    const second = batch.finish();
    expect(decodeRecords(first).map((r) => r?.requestId)).toEqual(['a']);
    expect(decodeRecords(second)).toEqual(cloned([trace({ requestId: 'b' }), trace({ requestId: 'c' })]));
    expect(first.buffer).not.toBe(second.buffer);
  });

  it('encodes a batch whole after one that grew past a megabyte (captured bodies; that buffer is not kept)', () => {
    const batch = new RecordBatchEncoder();
    batch.add(trace({ bodiesText: { request: 'x'.repeat(3_000_000), response: null } }));
    expect(batch.finish().byteLength).toBeGreaterThan(3_000_000);
    batch.add(trace({ requestId: 'after' }));
    expect(decodeRecords(batch.finish()).map((r) => r?.requestId)).toEqual(['after']);
  });

  it('is several times smaller than v8 serialization for a batch of like requests', () => {
    const batch: RequestTrace[] = Array.from({ length: 200 }, (_, i) => trace({ requestId: `018bcfe5-6800-7000-8000-${String(i).padStart(12, '0')}`, durationMs: i / 7 }));
    expect(encodeRecords(batch).byteLength * 3).toBeLessThan(serialize(batch).byteLength);
  });

  it('refuses bytes that are cut short or not its own, with an error (not a wrong record)', () => {
    const bytes = encodeRecords([trace({})]);
    expect(() => decodeRecords(bytes.subarray(0, bytes.length - 12))).toThrow(RangeError);
    expect(() => decodeRecords(serialize([trace({})]))).toThrow(/not call-log record bytes/);
  });
});
