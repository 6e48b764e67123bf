import net from 'node:net';
import type { SimpleResponse } from './gateway.js';

/** Raw request over a socket; returns status, headers and body parsed by hand (the client is deliberately broken). */
export function rawRequest(port: number, bytes: string): Promise<SimpleResponse> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(bytes));
    let out = '';
    s.on('data', (d) => (out += d.toString('latin1')));
    s.on('error', reject);
    s.on('close', () => {
      const [head = '', ...rest] = out.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const l of lines) {
        const i = l.indexOf(':');
        headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
      }
      const text = rest.join('\r\n\r\n');
      resolve({ status: Number(statusLine.split(' ')[1]), headers, text, json: <T>() => JSON.parse(text) as T });
    });
  });
}
