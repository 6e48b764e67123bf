import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { buildProblem, problemJson } from '../core/problem.js';
import { normalizeAddress } from './client-ip.js';
import type { Gateway } from './gateway.js';
import { newRequestId } from './request-id.js';

export interface ListenOptions {
  readonly port: number;
  readonly host: string;
  /** Max request header bytes (Node default 16 KiB). */
  readonly maxHeaderSize?: number;
  readonly keepAliveTimeoutMs?: number;
  readonly headersTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
}

const CLIENT_ERRORS: Record<string, string> = {
  HPE_HEADER_OVERFLOW: 'request.headers_too_large',
  ERR_HTTP_REQUEST_TIMEOUT: 'request.timeout',
  ERR_HTTP_HEADERS_TIMEOUT: 'request.timeout',
};

/**
 * The proxy listener: node:http in front of the data plane. Requests Node cannot parse are answered
 * with the problem+json envelope (not Node's bare 400), and the socket is closed.
 */
export function createProxyServer(gw: Gateway, o: ListenOptions): Server {
  const server = createServer(
    {
      maxHeaderSize: o.maxHeaderSize,
      keepAliveTimeout: o.keepAliveTimeoutMs ?? 65_000,
      headersTimeout: o.headersTimeoutMs ?? 60_000,
      requestTimeout: o.requestTimeoutMs ?? 300_000,
      // Undici-style upstream pools handle large bodies; the client side must not pipeline forever.
      noDelay: true,
    },
    gw.dataPlane.handle,
  );
  server.on('clientError', (err: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Socket) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const timestamp = Date.now();
    const code = CLIENT_ERRORS[err.code ?? ''] ?? 'request.malformed';
    const reason = gw.reasons.require(code);
    const id = newRequestId(timestamp);
    const version = gw.hasConfig ? gw.current().version : 0;
    const detail = code === 'request.malformed' ? `The request is not valid HTTP/1.1 (${err.code ?? 'parse error'}).` : reason.description;
    const { contentType, body } = problemJson(buildProblem(reason, detail, id, version));
    socket.end(
      `HTTP/1.1 ${reason.status} ${reason.title}\r\ncontent-type: ${contentType}\r\ncontent-length: ${Buffer.byteLength(body)}\r\ncache-control: no-store\r\nx-request-id: ${id}\r\nconnection: close\r\n\r\n${body}`,
    );
    const line = requestLine(err.rawPacket);
    gw.refused({
      requestId: id,
      timestamp,
      configVersion: version,
      method: line.method,
      path: line.path,
      clientIp: normalizeAddress(socket.remoteAddress),
      status: reason.status,
      code,
      answeredBy: 'gateway',
      simulated: false,
      durationMs: 0,
      bytesOut: Buffer.byteLength(body),
      entries: [{ step: 'gateway', phase: 'gateway', outcome: 'deny', code, detail: `the HTTP parser refused the request (${err.code ?? 'parse error'})`, data: { parser: err.code ?? null }, ms: 0 }],
    });
  });
  return server;
}

/**
 * Method and target of the request line, when the bytes the parser refused start with one; `-`
 * otherwise (as in an nginx access log). Printable ASCII only: the bytes came from the client.
 */
export function requestLine(raw: Buffer | undefined): { method: string; path: string } {
  const first = raw?.subarray(0, 2048).toString('latin1').split('\r\n', 1)[0] ?? '';
  const m = /^([A-Z][A-Z-]{0,19}) ([\x21-\x7e]{1,2000})(?: |$)/.exec(first);
  return m ? { method: m[1]!, path: m[2]! } : { method: '-', path: '-' };
}

export function listen(server: Server, port: number, host: string): Promise<{ port: number; host: string }> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.removeListener('error', onError);
      const addr = server.address();
      resolve({ port: typeof addr === 'object' && addr ? addr.port : port, host });
    });
  });
}

/** Stop accepting, let in-flight requests finish (up to `graceMs`), then close what is left. */
export async function drain(server: Server, inflight: () => number, graceMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const deadline = Date.now() + graceMs;
  while (inflight() > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
    server.closeIdleConnections();
  }
  server.closeAllConnections();
  await closed;
}
