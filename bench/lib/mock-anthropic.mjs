// Upstream (c) for the translated AI rows: a mock of Anthropic's POST /v1/messages on 127.0.0.1:$PORT
// (default 9003), the counterpart of ../shared/bench/lib/mock-openai.js (upstream b). No artificial delay.
//
// Wire format as in the captures of test/fixtures/llm/anthropic (messages-stream-text.response.sse,
// messages-stream-tool-roundtrip.1.response.sse, messages-text-keyorder.response.json,
// error-401-authentication.response.json):
// - `x-api-key` (must equal $KEY, default sk-ant-upstream-bench) and `anthropic-version` are required:
//   401 authentication_error / 400 invalid_request_error otherwise; `model`, `max_tokens` and
//   `messages` are required in the body (400 naming the field), as the real API does.
// - non-stream: one `message` object, keys in Anthropic's order (model first), usage with the cache
//   counters, `cache_creation`, `service_tier` and `inference_geo`.
// - stream: `text/event-stream; charset=utf-8`, chunked, one write per event (as the real API sends
//   them, one event per token batch): message_start, content_block_start, ping (`{"type": "ping"}`,
//   with its space), 18 text_delta events, content_block_stop, message_delta (usage repeating the
//   input and cache counters), message_stop — 24 events, each `event: <type>\ndata: <json>\n\n`, the
//   JSON padded with runs of spaces before its last `}` as the real stream does. Translated to the
//   OpenAI dialect that is 20 chat.completion.chunk frames + `data: [DONE]`, like the OpenAI mock.
import http from 'node:http';

const PORT = Number(process.env.PORT || 9003);
const KEY = process.env.KEY || 'sk-ant-upstream-bench';
const MODEL = 'claude-haiku-4-5-20251001';
const ID = 'msg_01BenchMockUpstream0001';
const REQUEST_ID = 'req_011BenchMockUpstream0001';
const usageStart = { input_tokens: 12, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 }, output_tokens: 1, service_tier: 'standard', inference_geo: 'not_available' };

const message = JSON.stringify({
  model: MODEL, id: ID, type: 'message', role: 'assistant',
  content: [{ type: 'text', text: 'Hello! This is a fixed benchmark reply from the mock upstream.' }],
  stop_reason: 'end_turn', stop_sequence: null,
  usage: { ...usageStart, output_tokens: 14 },
});

// Padding before the closing brace, as in the captures (a run of spaces of varying length).
const pad = (json, i) => (i % 3 === 2 ? json : `${json.slice(0, -1)}${' '.repeat(4 + ((i * 5) % 13))}}`);
const events = [];
const ev = (type, data, raw) => {
  const json = raw ?? JSON.stringify({ type, ...data });
  events.push(`event: ${type}\ndata: ${raw ? json : pad(json, events.length)}\n\n`);
};
const words = 'Hello from the mock upstream , this stream has twenty chunks after translation so that gateways compare fairly'.split(' ');
ev('message_start', { message: { model: MODEL, id: ID, type: 'message', role: 'assistant', content: [], stop_reason: null, stop_sequence: null, stop_details: null, usage: usageStart } });
ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
ev('ping', undefined, '{"type": "ping"}');
for (let i = 0; i < 18; i++) ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: (i ? ' ' : '') + words[i % words.length] } });
ev('content_block_stop', { index: 0 });
ev('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null, stop_details: null }, usage: { input_tokens: 12, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 19 } });
ev('message_stop', {});
const streamEvents = events.map((e) => Buffer.from(e));

function error(res, status, type, msg) {
  const body = JSON.stringify({ type: 'error', error: { type, message: msg }, request_id: REQUEST_ID });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'request-id': REQUEST_ID });
  res.end(body);
}

http.createServer((req, res) => {
  const path = req.url.split('?')[0];
  if (req.method !== 'POST' || path !== '/v1/messages') return error(res, 404, 'not_found_error', 'Not found');
  if (req.headers['x-api-key'] !== KEY) return error(res, 401, 'authentication_error', 'invalid x-api-key');
  if (!req.headers['anthropic-version']) return error(res, 400, 'invalid_request_error', 'anthropic-version: header is required');
  const parts = [];
  req.on('data', (c) => parts.push(c));
  req.on('end', () => {
    let body;
    try { body = JSON.parse(Buffer.concat(parts).toString('utf8')); } catch {
      return error(res, 400, 'invalid_request_error', 'There was an error parsing the body of your request.');
    }
    for (const [field, ok] of [['model', typeof body?.model === 'string'], ['max_tokens', Number.isInteger(body?.max_tokens)], ['messages', Array.isArray(body?.messages)]]) {
      if (!ok) return error(res, 400, 'invalid_request_error', `${field}: Field required`);
    }
    if (body.stream === true) {
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'request-id': REQUEST_ID });
      for (const e of streamEvents) res.write(e);
      res.end();
    } else {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(message), 'request-id': REQUEST_ID });
      res.end(message);
    }
  });
}).listen(PORT, '127.0.0.1', () => console.log(`mock-anthropic listening on http://127.0.0.1:${PORT}`));
