// Upstream for the translated AI row: a tiny mock of Anthropic's POST /v1/messages on 127.0.0.1:$PORT
// (default 9003). The counterpart of ../shared/bench/lib/mock-openai.js: a fixed `message`, or with
// "stream":true 20 SSE events (message_start, content_block_start, ping, 15 text deltas,
// content_block_stop, message_delta, message_stop) in Anthropic's framing. No artificial delay.
import http from 'node:http';

const PORT = Number(process.env.PORT || 9003);
const MODEL = 'claude-haiku-4-5';
const ID = 'msg_bench0001';
const message = JSON.stringify({
  id: ID, type: 'message', role: 'assistant', model: MODEL,
  content: [{ type: 'text', text: 'Hello! This is a fixed benchmark reply from the mock upstream.' }],
  stop_reason: 'end_turn', stop_sequence: null,
  usage: { input_tokens: 12, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 14 },
});
const ev = (type, data) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
const words = 'Hello from the mock upstream , this stream has twenty events so that gateways compare fairly'.split(' ');
const sse = [
  ev('message_start', { message: { id: ID, type: 'message', role: 'assistant', model: MODEL, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 12, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 1 } } }),
  ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
  ev('ping', {}),
];
for (let i = 0; sse.length < 18; i++) sse.push(ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: (i ? ' ' : '') + words[i % words.length] } }));
sse.push(ev('content_block_stop', { index: 0 }));
sse.push(ev('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 15 } }));
sse.push(ev('message_stop', {}));
const streamBody = sse.join('');

http.createServer((req, res) => {
  const path = req.url.split('?')[0];
  if (req.method !== 'POST' || path !== '/v1/messages') {
    res.writeHead(404, { 'content-type': 'application/json' });
    return res.end('{"type":"error","error":{"type":"not_found_error","message":"not found"}}');
  }
  const parts = [];
  req.on('data', (c) => parts.push(c));
  req.on('end', () => {
    let body;
    try { body = JSON.parse(Buffer.concat(parts).toString('utf8')); } catch {
      res.writeHead(400, { 'content-type': 'application/json' });
      return res.end('{"type":"error","error":{"type":"invalid_request_error","message":"invalid JSON body"}}');
    }
    if (body.stream === true) {
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
      res.end(streamBody);
    } else {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(message) });
      res.end(message);
    }
  });
}).listen(PORT, '127.0.0.1', () => console.log(`mock-anthropic listening on http://127.0.0.1:${PORT}`));
