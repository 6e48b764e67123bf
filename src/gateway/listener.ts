import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { buildProblem, problemJson } from '../core/problem.js';
import type { Gateway } from './gateway.js';

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
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const code = CLIENT_ERRORS[err.code ?? ''] ?? 'request.malformed';
    const reason = gw.reasons.require(code);
    const id = randomUUID();
    const version = gw.hasConfig ? gw.current().version : 0;
    const detail = code === 'request.malformed' ? `The request is not valid HTTP/1.1 (${err.code ?? 'parse error'}).` : reason.description;
    const { contentType, body } = problemJson(buildProblem(reason, detail, id, version));
    socket.end(
      `HTTP/1.1 ${reason.status} ${reason.title}\r\ncontent-type: ${contentType}\r\ncontent-length: ${Buffer.byteLength(body)}\r\ncache-control: no-store\r\nx-request-id: ${id}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
  return server;
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
