import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly rawHeaders: string[];
  readonly body: Buffer;
}

export type UpstreamBehavior = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

export interface TestUpstream {
  readonly url: string;
  readonly port: number;
  readonly seen: SeenRequest[];
  /** Replace how it answers (default: echo JSON). */
  behave(b: UpstreamBehavior): void;
  close(): Promise<void>;
}

/** Answers with a JSON echo of the request. */
export const echo: UpstreamBehavior = (req, res, body) => {
  const out = JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body: body.toString('utf8') });
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out), 'x-upstream': 'test' });
  res.end(out);
};

/** A real HTTP server on 127.0.0.1 (random port) that records what it receives. */
export async function startUpstream(initial: UpstreamBehavior = echo): Promise<TestUpstream> {
  let behavior = initial;
  const seen: SeenRequest[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders, body });
      behavior(req, res, body);
    });
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
    behave: (b) => {
      behavior = b;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** A port with nothing listening (connect refused). */
export async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/**
 * A loopback port whose listener never accepts and whose accept queue is full, so a new TCP
 * handshake never completes: a connect timeout without sending anything off this host.
 */
export async function blackholePort(): Promise<{ port: number; close: () => void }> {
  const { spawn } = await import('node:child_process');
  const net = await import('node:net');
  const py = spawn('python3', ['-c', "import socket,time\ns=socket.socket()\ns.bind(('127.0.0.1',0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\ntime.sleep(600)"]);
  const port = await new Promise<number>((resolve, reject) => {
    py.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    py.once('error', reject);
  });
  const fillers = [0, 1, 2].map(() => net.connect(port, '127.0.0.1').on('error', () => undefined));
  await new Promise((r) => setTimeout(r, 150));
  return {
    port,
    close: () => {
      for (const f of fillers) f.destroy();
      py.kill();
    },
  };
}
