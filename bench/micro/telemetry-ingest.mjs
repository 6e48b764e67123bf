// Micro-benchmark (issue 6): what call logging costs per record, on the built dist/, outside the
// request path: the request path's encoding of a batch (src/telemetry/record-codec.ts, as
// src/telemetry/worker/client.ts does; v8 serialization in checkouts older than it) and the
// telemetry worker's work on it (decode, then TelemetryEngine.ingest: metrics, rollups, the
// call-log chunk written to a SQLite file). CPU time per record, median over batches.
//
//   taskset -c 0 node bench/micro/telemetry-ingest.mjs [--vs OTHER_CHECKOUT] [--batches N] [--size N]
//
// --vs: a second checkout with its own dist/ (e.g. a `git worktree` of an older commit). Batches go
// to both engines in turn, in one process, so this VM's drift hits both alike; the median of the
// per-batch ratios says how the two workers compare (an older build may not take the request path's
// bytes, and then ingests the decoded traces alone).
// Records are synthetic but shaped as the gateway makes them (bench/configs: none, keyauth-rl, ai-openai).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : dflt;
};
const BATCHES = Number(opt('--batches', '150'));
const SIZE = Number(opt('--size', '300'));
const here = new URL('../../', import.meta.url).pathname;
const other = opt('--vs', undefined);
const dir = mkdtempSync(join(tmpdir(), 'sluice-ingest-'));

async function engineOf(root, tag) {
  const dist = `${root.replace(/\/$/, '')}/dist`;
  const { TelemetryEngine } = await import(`${dist}/telemetry/worker/engine.js`);
  const { Store } = await import(`${dist}/store/store.js`);
  const { newRequestId } = await import(`${dist}/gateway/request-id.js`);
  const url = join(dir, `${tag}.db`);
  const st = await Store.open({ url });
  await st.close();
  const engine = await TelemetryEngine.open({ url, node: tag, log: () => {} });
  engine.setDimensions({ version: 1, routes: { api: { api: 'a' }, 'openai-api': { api: 'llm' } }, services: { a: { api: 'a' }, llm: { api: 'llm' } } });
  // The batch encoding of src/telemetry/record-codec.ts, or v8's for a checkout older than it.
  const codecFile = `${dist}/telemetry/record-codec.js`;
  const codec = existsSync(codecFile)
    ? { encode: (await import(codecFile)).encodeRecords, decode: (await import(`${dist}/telemetry/record-decode.js`)).decodeRecords }
    : { encode: serialize, decode: deserialize };
  return { engine, newRequestId, codec };
}

const jitter = () => Math.random();
const upstreamEntry = (ms) => ({ step: 'upstream', phase: 'upstream', outcome: 'allow', code: undefined, detail: 'http://127.0.0.1:9001 answered 200', data: { target: 'http://127.0.0.1:9001', attempt: 1, status: 200, connectMs: jitter() }, ms });
// One object literal, field by field, as src/gateway/handler.ts builds a trace (an object made by
// spreading would be a slower shape to read than the gateway's, and skew the encoder's time).
const base = (id, ts, o) => ({
  requestId: id, timestamp: ts, configVersion: 1, method: o.method ?? 'GET', path: o.path ?? '/api/hello', host: '127.0.0.1:9201', clientIp: '127.0.0.1',
  routeId: o.routeId ?? 'api', serviceId: o.serviceId ?? 'a', consumerId: o.consumerId, credentialId: o.credentialId, status: 200, code: undefined, decidedBy: undefined,
  answeredBy: 'upstream', simulated: false, durationMs: 1 + jitter(), bytesIn: o.bytesIn ?? 0, bytesOut: o.ai ? undefined : 97,
  upstream: o.ai ? undefined : { attempts: 1, firstByteMs: 0.8 + jitter(), target: 'http://127.0.0.1:9001' }, annotations: o.annotations, entries: o.entries,
});
const SHAPES = {
  proxy: (id, ts) => base(id, ts, { entries: [{ step: 'route', phase: 'route', outcome: 'allow', detail: 'route api -> service a', data: { route: 'api', service: 'a' }, ms: 0 }, upstreamEntry(0.7 + jitter())] }),
  'key-auth + rate-limit': (id, ts) => base(id, ts, {
    consumerId: 'bench', credentialId: 'bench-key',
    entries: [
      { step: 'route', phase: 'route', outcome: 'allow', detail: 'route api -> service a', data: { route: 'api', service: 'a' }, ms: 0 },
      { policy: { id: 'route:api:key-auth', name: 'key-auth', scope: 'route' }, phase: 'authenticate', outcome: 'allow', detail: 'key-auth: consumer bench (credential bench-key)', data: { source: 'header authorization (Bearer)', credential: 'bench-key', consumer: 'bench' }, ms: 0.01 },
      { policy: { id: 'route:api:rate-limit', name: 'rate-limit', scope: 'route' }, phase: 'limit', outcome: 'allow', data: { store: 'memory', key: 'consumer', partition: 'bench', remaining: Math.floor(jitter() * 1e6) }, ms: 0.005 },
      upstreamEntry(0.7 + jitter()),
    ],
  }),
  ai: (id, ts) => base(id, ts, {
    method: 'POST', path: '/v1/chat/completions', routeId: 'openai-api', serviceId: 'llm', consumerId: 'bench', credentialId: 'bench-key', bytesIn: 164, ai: true,
    annotations: { ai: { api: 'chat', requested_model: 'gpt-4o-mini', model: 'gpt-4o-mini', provider: 'mock-openai', upstream_model: 'gpt-4o-mini', key: 'bench', attempts: 1, stream: false, tokens: { input: 12, output: 14, cached: 0, cache_write: 0, reasoning: 0 }, usage_source: 'provider', cost: 0.0000102, currency: 'USD', finish_reason: 'stop' } },
    entries: [
      { step: 'route', phase: 'route', outcome: 'allow', detail: 'route openai-api -> service llm', data: { route: 'openai-api', service: 'llm' }, ms: 0 },
      { policy: { id: 'route:openai-api:key-auth', name: 'key-auth', scope: 'route' }, phase: 'authenticate', outcome: 'allow', detail: 'key-auth: consumer bench (credential bench-key)', data: { source: 'header authorization (Bearer)', credential: 'bench-key', consumer: 'bench' }, ms: 0.01 },
      { step: 'upstream', phase: 'upstream', outcome: 'allow', detail: 'attempt 1: mock-openai/gpt-4o-mini answered', data: { attempt: 1, model: 'gpt-4o-mini', provider: 'mock-openai', upstream_model: 'gpt-4o-mini', key: 'bench' }, ms: 1 + jitter() },
    ],
  }),
};

const cpu = () => { const u = process.cpuUsage(); return u.user + u.system; };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const A = await engineOf(here, 'this');
const B = other ? await engineOf(other, 'other') : undefined;
console.log(`telemetry ingest, ${BATCHES} batches of ${SIZE} records per shape, CPU µs per record (median of batches)${B ? `; --vs ${other}` : ''}`);
for (const [name, shape] of Object.entries(SHAPES)) {
  const batch = () => Array.from({ length: SIZE }, () => { const ts = Date.now(); return shape(A.newRequestId(ts), ts); });
  const ser = [], work = [], otherSer = [], otherWork = [], ratio = [], size = [];
  for (let i = 0; i < BATCHES + 20; i++) {
    const records = batch();
    let t = cpu();
    const raw = A.codec.encode(records);
    const s = (cpu() - t) / SIZE;
    t = cpu();
    await A.engine.ingest(A.codec.decode(raw), raw);
    const w = (cpu() - t) / SIZE;
    if (i < 20) continue; // warm-up
    ser.push(s);
    work.push(w);
    size.push(raw.byteLength / SIZE);
    if (B) {
      const records2 = batch();
      t = cpu();
      const raw2 = B.codec.encode(records2);
      otherSer.push((cpu() - t) / SIZE);
      t = cpu();
      await B.engine.ingest(B.codec.decode(raw2), raw2);
      const o = (cpu() - t) / SIZE;
      otherWork.push(o);
      ratio.push(w / o);
    }
  }
  const cmp = B ? `   --vs: encode ${median(otherSer).toFixed(1)} µs, worker ${median(otherWork).toFixed(1)} µs, worker this / other ${median(ratio).toFixed(3)}` : '';
  console.log(`${name.padEnd(22)} request path (encode) ${median(ser).toFixed(1)} µs   worker (decode + ingest) ${median(work).toFixed(1)} µs   ${Math.round(median(size))} bytes/record${cmp}`);
}
await A.engine.close();
await B?.engine.close();
rmSync(dir, { recursive: true, force: true });
