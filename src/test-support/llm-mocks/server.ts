import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { fixtureText } from '../../core/llm/test-support/fixtures.js';

/**
 * Mock LLM providers on 127.0.0.1 that answer with the recorded captures of ../shared/fixtures/llm,
 * in their real wire formats (OpenAI and Anthropic JSON, SSE frames as recorded). Tests queue
 * one-shot replies (errors, delays, gzip, truncation) and read what the mock received.
 */

export type MockApi = 'chat' | 'messages' | 'embeddings' | 'models';

export interface MockReply {
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** A fixture file (relative to the fixtures root) sent whole, or as SSE frames when it ends in `.sse`. */
  readonly fixture?: string;
  /** A literal body instead of a fixture. */
  readonly body?: string;
  /** A literal SSE body (e.g. frames of two captures spliced), sent frame by frame. */
  readonly sseBody?: string;
  /** Wait before the status line. */
  readonly delayMs?: number;
  /** Streams: wait after the headers, before the first frame. */
  readonly firstChunkDelayMs?: number;
  /** Streams: wait between frames. */
  readonly chunkDelayMs?: number;
  /** Send the body gzip-encoded (`content-encoding: gzip`). */
  readonly gzip?: boolean;
  /** Never answer (until the client gives up). */
  readonly hang?: boolean;
  /** Streams: destroy the connection after this many frames. */
  readonly truncateAfterFrames?: number;
  /**
   * Streams: write the body in pieces of at most this many bytes, one write per event-loop turn, so
   * the gateway reads frames, JSON and UTF-8 sequences cut anywhere.
   */
  readonly splitBytes?: number;
}

export interface SeenLlmRequest {
  readonly api: MockApi;
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Record<string, unknown>;
  /** The credential the request carried (Bearer token, x-api-key or api-key). */
  readonly key: string | undefined;
}

export interface LlmMock {
  readonly url: string;
  readonly port: number;
  readonly seen: SeenLlmRequest[];
  /** Requests whose client went away before the response was complete. */
  readonly aborted: () => number;
  /** TCP connections from clients still open (keep-alive sockets included). */
  readonly connections: () => number;
  /** Replies used (in order) by the next requests of that API, before the defaults. */
  queue(api: MockApi, ...replies: MockReply[]): void;
  /** Keys accepted; others get the provider's 401 capture. Undefined = any key. */
  acceptKeys(keys: readonly string[] | undefined): void;
  close(): Promise<void>;
}

export type MockFlavor = 'openai' | 'anthropic';

function credential(h: http.IncomingHttpHeaders): string | undefined {
  const auth = h['authorization'];
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) return auth.slice(7);
  const k = h['x-api-key'] ?? h['api-key'];
  return typeof k === 'string' ? k : undefined;
}

function apiOf(method: string, path: string): MockApi | undefined {
  if (method === 'POST' && path.endsWith('/chat/completions')) return 'chat';
  if (method === 'POST' && path.endsWith('/messages')) return 'messages';
  if (method === 'POST' && path.endsWith('/embeddings')) return 'embeddings';
  if (method === 'GET' && path.endsWith('/models')) return 'models';
  return undefined;
}

/** The capture a real provider would have sent for this request. */
export function defaultReply(flavor: MockFlavor, api: MockApi, body: Record<string, unknown>): MockReply {
  const stream = body['stream'] === true;
  const tools = Array.isArray(body['tools']) && body['tools'].length > 0;
  if (api === 'models') {
    const ids = flavor === 'openai' ? ['gpt-4o', 'gpt-4o-mini', 'text-embedding-3-small'] : ['claude-sonnet-4-5', 'claude-haiku-4-5'];
    return { body: JSON.stringify({ object: 'list', data: ids.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: flavor })) }) };
  }
  if (api === 'embeddings') {
    return { fixture: body['encoding_format'] === 'base64' ? 'openai-embeddings/embeddings-base64.response.json' : 'openai-embeddings/embeddings-basic.response.json' };
  }
  if (flavor === 'anthropic') {
    if (stream) return { fixture: tools ? 'anthropic/messages-stream-tool-roundtrip.0.response.sse' : 'anthropic/messages-stream-text.response.sse' };
    return { fixture: tools ? 'anthropic/messages-parallel-tool-use.0.response.json' : 'anthropic/messages-basic.response.json' };
  }
  if (stream) {
    const usage = (body['stream_options'] as { include_usage?: boolean } | undefined)?.include_usage === true;
    if (tools) return { fixture: 'openai-chat/chat-stream-tool-call-strict.response.sse' };
    return { fixture: usage ? 'openai-chat/chat-stream-include-usage.response.sse' : 'openai-chat/chat-stream.response.sse' };
  }
  return { fixture: tools ? 'openai-chat/chat-tools.response.json' : 'openai-chat/chat-basic.response.json' };
}

/** The provider's own 401 capture. */
export function unauthorized(flavor: MockFlavor): MockReply {
  return flavor === 'anthropic'
    ? { status: 401, fixture: 'anthropic/error-401-authentication.response.json', headers: { 'request-id': 'req_mock_401' } }
    : { status: 401, fixture: 'openai-chat/error-401-invalid-api-key.RECONSTRUCTED.response.json', headers: { 'x-request-id': 'req_mock_401' } };
}

/** SSE frames of a recorded stream, separators kept byte-for-byte (CRLF where recorded). */
export function sseFrames(text: string): string[] {
  const frames: string[] = [];
  const re = /\r?\n\r?\n/g;
  let start = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    frames.push(text.slice(start, m.index + m[0].length));
    start = m.index + m[0].length;
  }
  if (start < text.length) frames.push(text.slice(start));
  return frames;
}

const wait = (ms: number | undefined) => (ms ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve());

async function writeInPieces(res: ServerResponse, bytes: Buffer, size: number): Promise<void> {
  for (let i = 0; i < bytes.length && !res.destroyed; i += size) {
    res.write(bytes.subarray(i, i + size));
    await new Promise((r) => setImmediate(r));
  }
}

async function send(res: ServerResponse, reply: MockReply): Promise<void> {
  if (reply.hang) return;
  await wait(reply.delayMs);
  if (res.destroyed) return;
  const text = reply.sseBody ?? reply.body ?? (reply.fixture ? fixtureText(reply.fixture) : '');
  const isSse = reply.sseBody !== undefined || (reply.fixture?.endsWith('.sse') ?? false);
  const headers: Record<string, string> = { 'content-type': isSse ? 'text/event-stream; charset=utf-8' : 'application/json', ...reply.headers };
  if (!isSse) {
    const bytes = reply.gzip ? gzipSync(text) : Buffer.from(text);
    if (reply.gzip) headers['content-encoding'] = 'gzip';
    res.writeHead(reply.status ?? 200, { ...headers, 'content-length': String(bytes.length) });
    res.end(bytes);
    return;
  }
  if (reply.gzip) headers['content-encoding'] = 'gzip';
  res.writeHead(reply.status ?? 200, headers);
  res.flushHeaders();
  await wait(reply.firstChunkDelayMs);
  const frames = sseFrames(text);
  if (reply.gzip) {
    // One gzip member per response, flushed per frame as a real compressing server does.
    const { createGzip, constants } = await import('node:zlib');
    const gz = createGzip();
    gz.pipe(res);
    for (const f of frames) {
      if (res.destroyed) return;
      gz.write(f);
      await new Promise<void>((r) => gz.flush(constants.Z_SYNC_FLUSH, () => r()));
      await wait(reply.chunkDelayMs);
    }
    gz.end();
    return;
  }
  let n = 0;
  for (const f of frames) {
    if (res.destroyed) return;
    if (reply.truncateAfterFrames !== undefined && n >= reply.truncateAfterFrames) {
      res.socket?.destroy();
      return;
    }
    if (reply.splitBytes !== undefined) await writeInPieces(res, Buffer.from(f), reply.splitBytes);
    else res.write(f);
    n++;
    if (n < frames.length) await wait(reply.chunkDelayMs);
  }
  res.end();
}

/** Starts a mock provider of the given flavor on a random loopback port. */
export async function startLlmMock(flavor: MockFlavor): Promise<LlmMock> {
  const queues = new Map<MockApi, MockReply[]>();
  const seen: SeenLlmRequest[] = [];
  const sockets = new Set<Socket>();
  let accepted: readonly string[] | undefined;
  let aborted = 0;
  const handle = (req: IncomingMessage, res: ServerResponse, raw: Buffer) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const api = apiOf(req.method ?? 'GET', path);
    let body: Record<string, unknown> = {};
    try {
      body = raw.length ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : {};
    } catch {
      /* recorded as empty */
    }
    const key = credential(req.headers);
    if (!api) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"mock: unknown path","type":"invalid_request_error"}}');
      return;
    }
    seen.push({ api, method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, key });
    res.on('close', () => {
      if (!res.writableFinished) aborted++;
    });
    let reply: MockReply;
    if (accepted && (!key || !accepted.includes(key))) reply = unauthorized(flavor);
    else reply = queues.get(api)?.shift() ?? defaultReply(flavor, api, body);
    send(res, reply).catch(() => res.destroy());
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks)));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    seen,
    aborted: () => aborted,
    connections: () => sockets.size,
    queue: (api, ...replies) => queues.set(api, [...(queues.get(api) ?? []), ...replies]),
    acceptKeys: (keys) => {
      accepted = keys;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
