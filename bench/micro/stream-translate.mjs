// Micro-benchmark (issue 4, "Speed"): translation of a 1,000-chunk Anthropic stream into the
// OpenAI dialect, on the built dist/, the way the AI relay does it (src/ai/service/relay.ts):
// the Anthropic adapter's stream translator (src/ai/providers/anthropic/stream.ts) turns upstream
// bytes into canonical chunks, StreamProgress hands each one to the OpenAI dialect's stream encoder
// (src/ai/dialects/openai/stream.ts), then the closing frames. One translator and encoder per
// stream, as per request. Falls back to the adapter alone while the dialects are not built.
//
//   taskset -c 0 node bench/micro/stream-translate.mjs [--json OUT] [--seconds S]
//
// "chunk" = one upstream SSE event (message_start … message_stop); chunks/s = 1,000 × streams/s.
// Cases: `anthropic-openai` one event per read (as undici hands over a socket read: the common case
// for a token stream) — the target; `anthropic-openai-split` the same bytes in 1,460-byte reads cut
// anywhere (events split across reads); `openai-openai` the OpenAI adapter's translator over a
// 1,000-chunk OpenAI stream (the last one carrying usage) into the same encoder (for comparison, no target).
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : dflt;
};
const SECONDS = Number(opt('--seconds', '2'));
const ROUNDS = 5;
const CHUNKS = 1000;
const dist = new URL('../../dist/', import.meta.url);

const { anthropic } = await import(new URL('ai/providers/anthropic/index.js', dist).href);
const { openai } = await import(new URL('ai/providers/openai/index.js', dist).href);
let dialect;
let relay;
try {
  ({ openaiDialect: dialect } = await import(new URL('ai/dialects/openai/index.js', dist).href));
  relay = await import(new URL('ai/service/relay.js', dist).href);
} catch {
  dialect = undefined;
}
const mode = dialect ? (relay?.StreamProgress ? 'adapter → StreamProgress → OpenAI dialect encoder' : 'adapter → OpenAI dialect encoder') : 'adapter alone (no dist/ai/dialects/openai yet)';

// A 1,000-event Anthropic Messages stream in the captured wire format (test/fixtures/llm/anthropic):
// message_start, content_block_start, ping, 994 text deltas, content_block_stop, message_delta, message_stop.
const words = 'The quick brown fox jumps over the lazy dog while the gateway translates every event , token by token'.split(' ');
const pad = (json, i) => (i % 3 === 2 ? json : `${json.slice(0, -1)}${' '.repeat(4 + ((i * 5) % 13))}}`);
function anthropicStream() {
  const ev = [];
  const push = (type, data, raw) => ev.push(`event: ${type}\ndata: ${raw ?? pad(JSON.stringify({ type, ...data }), ev.length)}\n\n`);
  push('message_start', { message: { model: 'claude-haiku-4-5-20251001', id: 'msg_01BenchMicro', type: 'message', role: 'assistant', content: [], stop_reason: null, stop_sequence: null, stop_details: null, usage: { input_tokens: 42, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 }, output_tokens: 1, service_tier: 'standard', inference_geo: 'not_available' } } });
  push('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
  push('ping', undefined, '{"type": "ping"}');
  for (let i = 0; ev.length < CHUNKS - 3; i++) push('content_block_delta', { index: 0, delta: { type: 'text_delta', text: (i ? ' ' : '') + words[i % words.length] } });
  push('content_block_stop', { index: 0 });
  push('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null, stop_details: null }, usage: { input_tokens: 42, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: CHUNKS - 6 } });
  push('message_stop', {});
  return ev;
}
function openaiStream() {
  const ev = [];
  const chunk = (delta, finish) => `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1700000000, model: 'gpt-4o-mini', system_fingerprint: 'fp_bench', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`;
  ev.push(chunk({ role: 'assistant', content: '' }, null));
  for (let i = 0; ev.length < CHUNKS - 2; i++) ev.push(chunk({ content: (i ? ' ' : '') + words[i % words.length] }, null));
  ev.push(chunk({}, 'stop'));
  // stream_options.include_usage: a last chunk with no choices carries usage.
  ev.push(`data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1700000000, model: 'gpt-4o-mini', system_fingerprint: 'fp_bench', choices: [], usage: { prompt_tokens: 42, completion_tokens: CHUNKS - 2, total_tokens: CHUNKS + 40 } })}\n\n`);
  ev.push('data: [DONE]\n\n');
  return ev;
}
const perEvent = (events) => events.map((e) => Buffer.from(e));
function split(events, size) {
  const all = Buffer.from(events.join(''));
  const out = [];
  for (let i = 0; i < all.length; i += size) out.push(all.subarray(i, i + size));
  return out;
}

const request = (model) => ({ model, messages: [{ role: 'user', content: 'Say hello.' }], stream: true, maxTokens: 1024 });
const exchange = (model) => {
  const parsed = dialect?.parseChatRequest({ model, messages: [{ role: 'user', content: 'Say hello.' }], stream: true, max_tokens: 1024 });
  return { request: parsed?.ok ? parsed.value : request(model), target: { providerModel: model, baseUrl: 'http://127.0.0.1:9003/v1' } };
};

/** One stream through translator (+ encoder): returns the client text length and frames. */
function runOnce(adapter, ex, reads) {
  const tr = adapter.chat.createStreamTranslator(ex);
  if (!dialect) {
    let n = 0;
    let usage;
    for (const r of reads) {
      const s = tr.push(r);
      n += s.chunks.length;
      usage = s.usage ?? usage;
    }
    const s = tr.end();
    return { chunks: n + s.chunks.length, usage: s.usage ?? usage, text: '' };
  }
  const enc = dialect.createStreamEncoder({ includeUsage: true });
  if (relay?.StreamProgress) {
    const p = new relay.StreamProgress(enc, new relay.OutputText());
    let text = '';
    for (const r of reads) text += p.encode(tr.push(r));
    text += p.encode(tr.end());
    return { chunks: p.chunks, usage: p.usage, text: text + p.close(), error: p.error };
  }
  let text = '';
  let n = 0;
  let usage;
  for (const r of [...reads, null]) {
    const s = r ? tr.push(r) : tr.end();
    usage = s.usage ?? usage;
    for (const c of s.chunks) {
      n++;
      text += enc.encode(c, usage);
    }
  }
  return { chunks: n, usage, text: text + enc.finish(usage) };
}

function bench(name, adapter, model, reads) {
  const ex = exchange(model);
  const probe = runOnce(adapter, ex, reads);
  const frames = probe.text.split('\n').filter((l) => l.startsWith('data:')).length;
  if (probe.error || (dialect && !probe.text.endsWith('data: [DONE]\n\n')) || !probe.usage) {
    throw new Error(`${name}: translation did not complete (${JSON.stringify(probe.error ?? probe.usage ?? 'no usage')})`);
  }
  // Warm-up (JIT), then ROUNDS timed rounds of SECONDS each; median streams/s.
  const until = (ms) => {
    let n = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < ms) {
      for (let i = 0; i < 10; i++) runOnce(adapter, ex, reads);
      n += 10;
      t = performance.now();
    }
    return { n, ms: t - t0 };
  };
  until(1000);
  const rounds = [];
  for (let r = 0; r < ROUNDS; r++) {
    const { n, ms } = until(SECONDS * 1000);
    rounds.push((n * CHUNKS) / (ms / 1000));
  }
  const sorted = [...rounds].sort((a, b) => a - b);
  const chunksPerS = sorted[Math.floor((sorted.length - 1) / 2)];
  return { case: name, chunks: CHUNKS, reads: reads.length, canonical: probe.chunks, frames, usage: probe.usage, chunks_per_s: chunksPerS, ms_per_stream: (1000 * CHUNKS) / chunksPerS, rounds };
}

const anth = anthropicStream();
const results = [
  bench('anthropic-openai', anthropic, 'claude-haiku-4-5-20251001', perEvent(anth)),
  bench('anthropic-openai-split', anthropic, 'claude-haiku-4-5-20251001', split(anth, 1460)),
  bench('openai-openai', openai, 'gpt-4o-mini', perEvent(openaiStream())),
];
const out = { mode, node: process.version, seconds: SECONDS, rounds: ROUNDS, results };
const json = opt('--json', '');
if (json) writeFileSync(json, JSON.stringify(out, null, 2));
for (const r of results) {
  console.log(`${r.case}: ${Math.round(r.chunks_per_s).toLocaleString('en-US')} chunks/s (${r.ms_per_stream.toFixed(2)} ms per ${r.chunks}-chunk stream, ${r.reads} reads → ${r.canonical} canonical chunks, ${r.frames} client frames) [${mode}]`);
}
