import { describe, expect, it } from 'vitest';
import type { RequestTrace } from '../core/trace.js';
import type { CallLogRow } from '../store/telemetry/tables.js';
import { callFacts, presentRow, toRow } from './record.js';

const denied: RequestTrace = {
  requestId: '01a235b3-4daf-7af9-a6bb-4904e3031e18',
  timestamp: 1_796_197_273_006,
  configVersion: 3,
  method: 'GET',
  path: '/api/hello',
  host: 'api.example.com',
  clientIp: '203.0.113.7',
  routeId: 'api',
  serviceId: 'a',
  consumerId: 'bench',
  credentialId: 'bench-key',
  status: 429,
  code: 'rate.limited',
  decidedBy: { id: 'route:api:rate-limit', name: 'rate-limit', scope: 'route' },
  answeredBy: 'gateway',
  simulated: false,
  durationMs: 1.25,
  bytesIn: 0,
  bytesOut: 212,
  annotations: { note: { kept: true } },
  entries: [
    { step: 'route', phase: 'route', outcome: 'allow', detail: 'route api -> service a', data: { route: 'api', service: 'a' }, ms: 0 },
    { policy: { id: 'ip', name: 'ip-restriction', scope: 'global' }, phase: 'guard', outcome: 'deny', code: 'ip.denied', detail: 'shadow only', enforced: false, data: { ip: '203.0.113.7' }, ms: 0.0421 },
    { policy: { id: 'route:api:key-auth', name: 'key-auth', scope: 'route' }, phase: 'authenticate', outcome: 'allow', detail: 'key-auth: consumer bench', data: { source: 'header x-api-key', consumer: 'bench' }, ms: 0.7870960000000196 },
    { policy: { id: 'route:api:rate-limit', name: 'rate-limit', scope: 'route' }, phase: 'limit', outcome: 'deny', code: 'rate.limited', detail: 'Too many requests', data: { remaining: 0, limits: [{ name: 'rate-1s', remaining: 0 }] }, ms: 0.6615460000002713 },
  ],
};

const forwarded: RequestTrace = {
  requestId: '01a235ac-f550-7f2c-9773-7b215d6dc934',
  timestamp: 1_796_196_857_167,
  configVersion: 1,
  method: 'POST',
  path: '/api/items',
  clientIp: '127.0.0.1',
  routeId: 'api',
  serviceId: 'a',
  status: 201,
  answeredBy: 'upstream',
  simulated: false,
  durationMs: 50.8,
  upstream: { attempts: 2, firstByteMs: 31.2, target: 'http://127.0.0.1:9001' },
  entries: [
    { step: 'upstream', phase: 'upstream', outcome: 'error', code: 'upstream.connect_failed', detail: 'refused', data: { target: 'http://127.0.0.1:9000', attempt: 1 }, ms: 2.5 },
    { step: 'upstream', phase: 'upstream', outcome: 'allow', detail: 'http://127.0.0.1:9001 answered 201', data: { target: 'http://127.0.0.1:9001', attempt: 2, status: 201, connectMs: 24.160093999999845 }, ms: 31.92937499999971 },
  ],
};

/** What a row of the store gives back (the id the store assigns, then the columns as written). */
const stored = (t: RequestTrace) => ({ ...toRow(callFacts(t, undefined)), id: 7 });

describe('call-log records: the stored trace', () => {
  it('gives back the trace it was written from, times to the microsecond', () => {
    for (const t of [denied, forwarded]) {
      const back = presentRow(stored(t), true).trace;
      const expected = { ...t, entries: t.entries.map((e) => ({ ...e, ms: Math.round(e.ms * 1000) / 1000 })) };
      expect(back).toEqual(expected);
    }
  });

  it('is positional and holds what the columns do not', () => {
    const row = stored(denied);
    const json = JSON.parse(row.trace) as { v: number; e: unknown[][]; d: unknown; a: unknown };
    expect(json.v).toBe(2);
    expect(json.d).toEqual(denied.decidedBy);
    expect(json.a).toEqual(denied.annotations);
    // A gateway step by name, a policy as [id, name, scope]; trailing absent fields dropped.
    expect(json.e[0]).toEqual(['route', 'route', 'allow', 0, null, 'route api -> service a', { route: 'api', service: 'a' }]);
    expect(json.e[1]).toEqual([['ip', 'ip-restriction', 'global'], 'guard', 'deny', 0.042, 'ip.denied', 'shadow only', { ip: '203.0.113.7' }, false]);
    expect(row.trace).not.toContain('requestId');
    expect(row.trace.length).toBeLessThan(JSON.stringify({ entries: denied.entries, decidedBy: denied.decidedBy, annotations: denied.annotations }).length * 0.8);
  });

  it('still reads rows written in the earlier formats', () => {
    const base = stored(denied);
    const v1: CallLogRow & { id: number } = { ...base, trace: JSON.stringify({ entries: denied.entries, decidedBy: denied.decidedBy, annotations: denied.annotations }) };
    expect(presentRow(v1, true).trace).toEqual(denied);
    const whole: CallLogRow & { id: number } = { ...base, trace: JSON.stringify(denied) };
    expect(presentRow(whole, true).trace).toEqual(denied);
  });
});
