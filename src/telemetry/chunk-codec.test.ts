import { deserialize, serialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import type { RequestTrace } from '../core/trace.js';
import { Masker } from './bodies/mask.js';
import { BodyCapture } from './bodies/capture.js';
import { chunkCodec, encodeChunks } from './chunk-codec.js';
import { encodeRecords } from './record-codec.js';
import { decodeRecords } from './record-decode.js';
import { idTime } from '../store/telemetry/chunks.js';
import { newRequestId } from '../gateway/request-id.js';
import { callFacts, toRow } from './record.js';
import { compileSettings } from './settings.js';
import type { DimensionTable } from './dimensions.js';

const T0 = 1_700_000_000_000;
const masker = new Masker(compileSettings(undefined).masking);
const dims: DimensionTable = { version: 1, routes: { orders: { team: 'payments', api: 'shop-api' } }, services: {} };

function trace(p: Partial<RequestTrace>): RequestTrace {
  return {
    requestId: '018bcfe5-6800-7000-8000-000000000000', timestamp: T0, configVersion: 1, method: 'GET', path: '/orders/1', clientIp: '10.0.0.1',
    status: 200, answeredBy: 'upstream', simulated: false, durationMs: 3.25, routeId: 'orders', serviceId: 'shop',
    entries: [{ step: 'upstream', phase: 'upstream', outcome: 'allow', detail: 'http://shop answered 200', data: { connectMs: 0.5 }, ms: 2.5 }],
    ...p,
  };
}

describe('call-log chunks', () => {
  it('stores the bytes a batch came in as they are, and reads back the rows the worker would have written', () => {
    const traces = [
      trace({}),
      trace({ requestId: 'from-a-trusted-caller', timestamp: T0 + 5, status: 403, answeredBy: 'gateway', code: 'acl.denied', consumerId: 'bob', decidedBy: { id: 'route:orders:acl', name: 'acl', scope: 'route' }, entries: [] }),
    ];
    const raw = encodeRecords(traces);
    const received = decodeRecords(raw) as RequestTrace[];
    const facts = received.map((t) => callFacts(t, dims));
    const [chunk] = encodeChunks(facts, [raw], masker);
    expect(chunk!.data).toBe(raw);
    expect(chunk).toMatchObject({ n: 2, tsMin: T0, tsMax: T0 + 5 });
    // A gateway-made id is found by the time it carries; any other id by a term of its own.
    expect([...chunk!.terms].sort()).toEqual(['a:shop-api', 'c:acl.denied', 'd', 'i:from-a-trusted-caller', 'r:orders', 's:shop', 't:payments', 'u:bob', 'x:200', 'x:403']);
    expect(chunkCodec.decode(chunk!.data, chunk!.owners)).toEqual(facts.map((f) => toRow(f)));
  });

  it('gives a long request an id term: its start is too far before the chunk\'s newest for a lookup by time', () => {
    const long = trace({ requestId: '018bcfc9-bc80-7000-8000-000000000000', timestamp: T0 - 120_000, durationMs: 120_000 });
    const facts = [trace({}), long].map((t) => callFacts(t, dims));
    const [chunk] = encodeChunks(facts, undefined, masker);
    expect(chunk!.terms.filter((t) => t.startsWith('i:'))).toEqual([`i:${long.requestId}`]);
  });

  it('stores captured bodies masked, never the bytes as received', () => {
    const cap = new BodyCapture(1024, true, false);
    cap.request(Buffer.from('{"user":"ann","password":"hunter2"}'));
    const t = trace({ method: 'POST', annotations: { bodies: cap } });
    const raw = encodeRecords([t]);
    const [chunk] = encodeChunks((decodeRecords(raw) as RequestTrace[]).map((x) => callFacts(x, dims)), [raw], masker);
    expect(chunk!.data).not.toBe(raw);
    expect(Buffer.from(chunk!.data).includes('hunter2')).toBe(false);
    const [row] = chunkCodec.decode(chunk!.data, chunk!.owners);
    expect(row!.request_body).toBe('{"user":"ann","password":"***"}');
    expect(JSON.parse(row!.trace)).toMatchObject({ a: { bodies: { request_bytes: 35, max_bytes: 1024 } } });
  });

  it('keeps the bytes of several batches held for one chunk, in order, without serializing them again', () => {
    const first = encodeRecords([trace({ requestId: 'a' }), trace({ requestId: 'b' })]);
    const second = encodeRecords([trace({ requestId: 'c', status: 404 })]);
    const facts = [...(decodeRecords(first) as RequestTrace[]), ...(decodeRecords(second) as RequestTrace[])].map((x) => callFacts(x, dims));
    const [chunk] = encodeChunks(facts, [first, second], masker);
    expect(chunk!.data.byteLength).toBe(1 + 4 + 2 * 4 + first.byteLength + second.byteLength);
    expect(chunk!.terms).toContain('x:404');
    expect(chunkCodec.decode(chunk!.data, chunk!.owners).map((r) => [r?.request_id, r?.status])).toEqual([['a', 200], ['b', 200], ['c', 404]]);
    expect(chunkCodec.decode(chunkCodec.remove(chunk!.data, new Set([0])), chunk!.owners).map((r) => r?.request_id)).toEqual([undefined, 'b', 'c']);
  });

  it('removes records in place: the others keep their positions', () => {
    const traces = [trace({ requestId: 'a' }), trace({ requestId: 'b' }), trace({ requestId: 'c' })];
    const raw = encodeRecords(traces);
    const [chunk] = encodeChunks((decodeRecords(raw) as RequestTrace[]).map((x) => callFacts(x, dims)), [raw], masker);
    const rows = chunkCodec.decode(chunkCodec.remove(chunk!.data, new Set([1])), chunk!.owners);
    expect(rows.map((r) => r?.request_id)).toEqual(['a', undefined, 'c']);
    expect(rows[2]).toMatchObject({ team: 'payments', api: 'shop-api' });
  });

  it('reads chunks written before record-codec (v8 serializations, by earlier builds), alone and packed with newer batches', () => {
    const old = serialize([trace({ requestId: 'a' }), trace({ requestId: 'b', status: 404 })]);
    const facts = (deserialize(old) as RequestTrace[]).map((x) => callFacts(x, dims));
    const [chunk] = encodeChunks(facts, [old], masker);
    expect(chunk!.data).toBe(old);
    expect(chunkCodec.decode(chunk!.data, chunk!.owners)).toEqual(facts.map((f) => toRow(f)));
    const newer = encodeRecords([trace({ requestId: 'c' })]);
    const [mixed] = encodeChunks([...facts, callFacts(trace({ requestId: 'c' }), dims)], [old, newer], masker);
    expect(chunkCodec.decode(mixed!.data, mixed!.owners).map((r) => r?.request_id)).toEqual(['a', 'b', 'c']);
    // Removing records from an old chunk rewrites it in the current encoding.
    const removed = chunkCodec.remove(chunk!.data, new Set([0]));
    expect(removed[0]).toBe(0x02);
    expect(chunkCodec.decode(removed, chunk!.owners).map((r) => r?.status)).toEqual([undefined, 404]);
  });

  it('has the term of every value, whether records alternate or come in runs, and each record its own team and API', () => {
    const wide: DimensionTable = { version: 1, routes: { orders: { team: 'payments', api: 'shop-api' }, users: { team: 'identity', api: 'users-api' } }, services: {} };
    const kinds: Partial<RequestTrace>[] = [{}, { routeId: 'users', consumerId: 'ann' }, { status: 404 }, { routeId: 'users', status: 500, code: 'upstream.error' }];
    const traces = Array.from({ length: 40 }, (_, i) => trace({ requestId: `id-${i}`, ...kinds[i < 20 ? i % 4 : Math.floor(i / 5) % 4] }));
    const facts = traces.map((t) => callFacts(t, wide));
    const [chunk] = encodeChunks(facts, undefined, masker);
    const terms = [...chunk!.terms].filter((t) => !t.startsWith('i:')).sort();
    expect(terms).toEqual(['a:shop-api', 'a:users-api', 'c:upstream.error', 'r:orders', 'r:users', 's:shop', 't:identity', 't:payments', 'u:ann', 'x:200', 'x:404', 'x:500']);
    expect(chunkCodec.decode(chunk!.data, chunk!.owners).map((r) => [r?.route_id, r?.team, r?.api])).toEqual(
      traces.map((t) => [t.routeId, t.routeId === 'users' ? 'identity' : 'payments', t.routeId === 'users' ? 'users-api' : 'shop-api']),
    );
  });

  it('reads the time of a gateway-made (UUIDv7) request id, and of no other id', () => {
    const ts = 1_733_312_345_678;
    const id = newRequestId(ts);
    expect(idTime(id)).toBe(ts);
    expect(idTime(id.toUpperCase())).toBe(ts);
    expect(idTime('018bcfe5-6800-7000-8000-000000000000')).toBe(0x018bcfe56800);
    for (const other of ['from-a-trusted-caller', crypto.randomUUID(), `${id.slice(0, 35)}g`, `${id.slice(0, 8)}x${id.slice(9)}`, `${id}0`, '']) expect(idTime(other)).toBeUndefined();
  });
});
