// First-chunk latency at concurrency 1: N sequential POSTs of the bench chat completion over one
// keep-alive connection; for each, the time from sending the request to the first byte of the
// response body (for a stream: the first SSE frame), and to its end. Prints one JSON line of
// medians; the first WARM requests are not counted.
//
//   node ttfb.mjs URL N [header:value ...]      env STREAM=1 adds "stream":true
import http from 'node:http';

const [url, nArg, ...hdrArgs] = process.argv.slice(2);
if (!url) {
  console.error('usage: node ttfb.mjs URL N [header:value ...]');
  process.exit(2);
}
const N = Number(nArg || 200);
const WARM = Math.min(20, Math.floor(N / 5));
const stream = process.env.STREAM === '1';
const body = Buffer.from(
  '{"model":"gpt-4o-mini","messages":[{"role":"system","content":"You are a benchmark."},{"role":"user","content":"Say hello in one short sentence."}],"max_tokens":32' +
    (stream ? ',"stream":true' : '') +
    '}',
);
const headers = { 'content-type': 'application/json', authorization: 'Bearer sk-bench-not-a-real-key', 'content-length': String(body.length) };
for (const h of hdrArgs) {
  const i = h.indexOf(':');
  headers[h.slice(0, i).trim().toLowerCase()] = h.slice(i + 1).trim();
}
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const u = new URL(url);

function once() {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    let first;
    const parts = [];
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method: 'POST', headers, agent }, (res) => {
      res.on('data', (c) => {
        first ??= process.hrtime.bigint();
        parts.push(c);
      });
      res.on('end', () => {
        const t1 = process.hrtime.bigint();
        const frames = Buffer.concat(parts).toString('utf8').split('\n').filter((l) => l.startsWith('data:')).length;
        resolve({ status: res.statusCode, first: Number((first ?? t1) - t0) / 1e6, total: Number(t1 - t0) / 1e6, frames });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : NaN;
};

const firsts = [];
const totals = [];
let bad = 0;
let frames = 0;
for (let i = 0; i < N + WARM; i++) {
  const r = await once();
  if (r.status !== 200) bad++;
  if (i < WARM) continue;
  firsts.push(r.first);
  totals.push(r.total);
  frames = r.frames;
}
agent.destroy();
console.log(JSON.stringify({ n: firsts.length, non200: bad, frames, first_p50: median(firsts), first_p90: pct(firsts, 90), total_p50: median(totals) }));
