import { describe, expect, it } from 'vitest';
import type { RequestTrace } from '../../core/trace.js';
import { callFacts } from '../record.js';
import { RequestMetrics } from './request-metrics.js';

function trace(p: Partial<RequestTrace>): RequestTrace {
  return {
    requestId: 'r', timestamp: 1_700_000_000_000, configVersion: 1, method: 'GET', path: '/', clientIp: '10.0.0.1', status: 200,
    answeredBy: 'upstream', simulated: false, durationMs: 2, routeId: 'orders', serviceId: 'shop', entries: [], ...p,
  };
}

describe('per-request metrics', () => {
  it('counts each request under its own route, status and who answered, whether they alternate or come in runs', async () => {
    const m = new RequestMetrics();
    const kinds: Partial<RequestTrace>[] = [
      {}, { routeId: 'users' }, { status: 404 }, { status: 404, answeredBy: 'gateway', code: 'route.not_found' }, { serviceId: 'other' },
    ];
    const expected = new Map<string, number>();
    for (let i = 0; i < 300; i++) {
      const k = kinds[i < 150 ? i % kinds.length : Math.floor(i / 10) % kinds.length]!;
      const t = trace(k);
      m.observe(callFacts(t, undefined));
      const key = `service="${t.serviceId}",route="${t.routeId}",status="${t.status}",answered_by="${t.answeredBy}"`;
      expected.set(key, (expected.get(key) ?? 0) + 1);
      if (i % 64 === 0) m.flush();
    }
    m.flush();
    const text = await m.text();
    const got = new Map<string, number>();
    for (const line of text.split('\n')) {
      const x = /^sluice_requests_total\{(.*)\} (\d+)$/.exec(line);
      if (x) got.set(x[1]!, Number(x[2]));
    }
    expect(got).toEqual(expected);
    expect(text).toMatch(/^sluice_request_duration_seconds_count\{service="shop",route="users"\} 60$/m);
  });
});
