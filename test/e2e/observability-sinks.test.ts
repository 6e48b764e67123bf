import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startGateway, type TestGateway } from '../../src/test-support/gateway.js';
import { consumer } from '../../src/test-support/llm-mocks/helpers.js';
import { startUpstream, type TestUpstream } from '../../src/test-support/upstream.js';

interface Receiver {
  readonly url: string;
  readonly batches: { request_id: string }[][];
  readonly statuses: number[];
  close(): Promise<void>;
}

/** A webhook receiver answering `answer(n)` to its n-th POST. */
async function receiver(answer: (n: number) => number): Promise<Receiver> {
  const batches: { request_id: string }[][] = [];
  const statuses: number[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const status = answer(statuses.length);
      statuses.push(status);
      expect(req.method).toBe('POST');
      expect(req.headers['authorization']).toBe('Bearer hook-token');
      if (status === 200) batches.push(JSON.parse(Buffer.concat(chunks).toString()) as { request_id: string }[]);
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, batches, statuses, close: () => new Promise((r) => server.close(() => r())) };
}

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

// A file can be renamed by a rotation between listing and reading it: that read counts as empty (a
// rotation only moves records to older files, already read, so a retry sees them; none is counted twice).
const lines = async (file: string): Promise<{ request_id: string }[]> => {
  const text = await readFile(file, 'utf8').catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  });
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { request_id: string });
};

describe('export sinks', () => {
  const KEY = 'sluice_test_sinks_alice_0000001';
  let dir: string;
  let up: TestUpstream;
  let flaky: Receiver;
  let refusing: Receiver;
  let gw: TestGateway;
  const sent: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-sinks-'));
    up = await startUpstream();
    // The first POST fails (503), is retried and delivered; a 400 is not retried: its batches are dropped.
    flaky = await receiver((n) => (n === 0 ? 503 : 200));
    refusing = await receiver(() => 400);
    const hook = (url: string) => ({ type: 'webhook', url, headers: { authorization: 'Bearer hook-token' }, batch_size: 5, flush_interval: '100ms', retries: 2 });
    gw = await startGateway({
      services: [{ id: 'svc', upstream: { targets: [up.url] } }],
      routes: [{ id: 'orders', service: 'svc', paths: ['/orders'], policies: [{ name: 'key-auth' }] }],
      consumers: [consumer('alice', KEY)],
      observability: {
        sinks: [
          { type: 'jsonl', path: join(dir, 'all', 'calls.jsonl'), max_size: 4000, keep: 100 },
          { type: 'jsonl', path: join(dir, 'few', 'calls.jsonl'), max_size: 4000, keep: 1 },
          hook(flaky.url),
          hook(refusing.url),
        ],
      },
    });
    for (let i = 0; i < 23; i++) {
      const r = await call(`${gw.url}/orders/${i}`, { headers: i % 4 ? { 'x-api-key': KEY } : {} });
      sent.push(r.headers['x-request-id'] as string);
    }
  });
  afterAll(async () => {
    await gw.close();
    await up.close();
    await flaky.close();
    await refusing.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes every record to a JSONL file, rotated by size', async () => {
    const base = join(dir, 'all', 'calls.jsonl');
    const files = () => [base, ...Array.from({ length: 50 }, (_, i) => `${base}.${i + 1}`)].filter((f) => existsSync(f));
    const all = async () => (await Promise.all(files().reverse().map(lines))).flat();
    await until('23 JSONL records', async () => (await all()).length >= 23);
    expect((await all()).map((r) => r.request_id)).toEqual(sent);
    expect(files().length).toBeGreaterThan(2);
    for (const f of files().slice(1)) expect((await stat(f)).size).toBeLessThanOrEqual(4000);
    const denied = (await all()).find((r) => r.request_id === sent[0]) as unknown as { status: number; code: string; trace: { entries: unknown[] } };
    expect(denied).toMatchObject({ status: 401, code: 'auth.key_missing' });
    expect(denied.trace.entries.length).toBeGreaterThan(0);
    expect(JSON.stringify(await all())).not.toContain(KEY);
  });

  it('keeps only the configured number of rotated files', async () => {
    const base = join(dir, 'few', 'calls.jsonl');
    await until('rotation', () => existsSync(`${base}.1`));
    await until('the last record', async () => (await lines(base)).some((r) => r.request_id === sent.at(-1)));
    expect(existsSync(`${base}.2`)).toBe(false);
  });

  it('POSTs batches to a webhook, retrying a failed delivery, each record once, in order', async () => {
    await until('23 webhook records', () => flaky.batches.flat().length >= 23);
    expect(flaky.statuses[0]).toBe(503);
    expect(flaky.batches.every((b) => b.length >= 1 && b.length <= 5)).toBe(true);
    expect(flaky.batches.flat().map((r) => r.request_id)).toEqual(sent);
  });

  it('drops and counts what a receiver refuses, and counts what was delivered', async () => {
    await until('refused deliveries', () => refusing.statuses.length >= 5);
    expect(refusing.statuses.every((s) => s === 400)).toBe(true);
    await until('sink metrics', async () => {
      const m = (await call(`${gw.admin}/metrics`)).text;
      const v = (name: string, sink: string) => Number(new RegExp(`^${name}\\{sink="${sink.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}"\\} (\\S+)$`, 'm').exec(m)?.[1] ?? 0);
      return v('sluice_log_sink_records_total', `webhook:${new URL(flaky.url).origin}`) === 23 && v('sluice_log_sink_dropped_total', `webhook:${new URL(refusing.url).origin}`) === 23;
    });
  });
});
