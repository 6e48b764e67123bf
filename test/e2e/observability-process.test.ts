import { execFileSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toYaml } from '../../src/config/yaml.js';
import { Store } from '../../src/store/store.js';
import { CallLogStore } from '../../src/store/telemetry/call-logs.js';
import { chunkCodec } from '../../src/telemetry/chunk-codec.js';
import { RollupStore } from '../../src/store/telemetry/rollups.js';
import { call, startGateway, type TestGateway } from '../../src/test-support/gateway.js';
import { startSluiceProcess } from '../../src/test-support/process.js';
import { freshPgSchema, hasPostgres, PG_URL } from '../../src/test-support/services.js';
import { startUpstream, type TestUpstream } from '../../src/test-support/upstream.js';

const DAY = 86_400_000;

async function fire(url: string, n: number, concurrency: number): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) {
      const i = next++;
      const r = await call(`${url}/api/${i}`);
      expect(r.status).toBe(200);
      ids.push(r.headers['x-request-id'] as string);
    }
  }));
  return ids;
}

/** Webhook receiver counting the records it got. */
async function hookReceiver(): Promise<{ url: string; records: string[]; close: () => Promise<void> }> {
  const records: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      for (const r of JSON.parse(Buffer.concat(chunks).toString()) as { request_id: string }[]) records.push(r.request_id);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, records, close: () => new Promise((r) => server.close(() => r())) };
}

function sigtermSuite(name: string, store: () => Promise<{ args: string[]; open: () => Promise<Store>; cleanup: () => Promise<void> }>) {
  describe(`a clean shutdown of the sluice process on ${name}`, () => {
    let up: TestUpstream;
    let hook: Awaited<ReturnType<typeof hookReceiver>>;
    let dir: string;
    beforeAll(async () => {
      up = await startUpstream();
      hook = await hookReceiver();
      dir = await mkdtemp(join(tmpdir(), 'sluice-sigterm-'));
    });
    afterAll(async () => {
      await up.close();
      await hook.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('loses nothing on SIGTERM: every call log, rollup and sink record is written before exit', async () => {
      const s = await store();
      const config = join(dir, `${name}.yaml`);
      await writeFile(config, toYaml({
        services: [{ id: 'svc', upstream: { targets: [up.url] } }],
        routes: [{ id: 'api', service: 'svc', paths: ['/api'] }],
        // Rollups and the webhook would only be written after an hour: what they hold comes from the shutdown flush.
        observability: { analytics: { flush_interval: '1h' }, sinks: [{ type: 'webhook', url: hook.url, batch_size: 10_000, flush_interval: '1h' }, { type: 'jsonl', path: join(dir, `${name}.jsonl`) }] },
      }));
      const p = await startSluiceProcess(['--config', config, '--data', dir, ...s.args]);
      const ids = await fire(p.proxy, 400, 40);
      expect(hook.records).toEqual([]);
      expect(await p.stop('SIGTERM')).toBe(0);
      const st = await s.open();
      try {
        const logs = new CallLogStore(st.db, st.dialect, chunkCodec);
        expect(await logs.count()).toBe(400);
        const stored = (await logs.query({ limit: 1000 })).items.map((r) => r.request_id);
        expect(new Set(stored)).toEqual(new Set(ids));
        const series = await new RollupStore(st.db, st.dialect).series({ from: Date.now() - DAY, to: Date.now() + DAY, grain: 'day' });
        expect(series.points.reduce((a, x) => a + x.requests, 0)).toBe(400);
      } finally {
        await st.close();
        await s.cleanup();
      }
      expect(new Set(hook.records)).toEqual(new Set(ids));
      expect((await readFile(join(dir, `${name}.jsonl`), 'utf8')).trim().split('\n')).toHaveLength(400);
    }, 60_000);
  });
}

sigtermSuite('SQLite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-sigterm-db-'));
  const url = join(dir, 'sluice.db');
  return { args: ['--store', url], open: () => Store.open({ url }), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

if (await hasPostgres()) {
  sigtermSuite('PostgreSQL', async () => {
    const { schema, drop } = await freshPgSchema('sigterm');
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`CREATE SCHEMA "${schema}"`);
    await c.end();
    const url = `${PG_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    return { args: ['--store', url], open: () => Store.open({ url: PG_URL, schema }), cleanup: drop };
  });
}

describe('a full call-log buffer', () => {
  let up: TestUpstream;
  let gw: TestGateway;
  let dir: string;
  const warnings: { msg: string; dropped?: number }[] = [];

  beforeAll(async () => {
    up = await startUpstream();
    dir = await mkdtemp(join(tmpdir(), 'sluice-full-'));
    // A JSONL sink on a FIFO nobody reads yet: the telemetry worker blocks on it, so nothing is
    // acknowledged and the buffer (bound 100) fills — deterministically, with no mock anywhere.
    execFileSync('mkfifo', [join(dir, 'stuck.jsonl')]);
    const logger = pino({ level: 'warn' }, { write: (s: string) => void warnings.push(JSON.parse(s) as { msg: string }) });
    gw = await startGateway({
      services: [{ id: 'svc', upstream: { targets: [up.url] } }],
      routes: [{ id: 'api', service: 'svc', paths: ['/api'] }],
      observability: { logs: { buffer: 100 }, sinks: [{ type: 'jsonl', path: join(dir, 'stuck.jsonl') }] },
    }, { logger });
  });
  afterAll(async () => {
    await gw.close();
    await up.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('drops and counts records beyond the bound, warns, and never slows requests down', async () => {
    const started = performance.now();
    await fire(gw.url, 300, 10);
    expect(performance.now() - started).toBeLessThan(15_000);
    const telemetry = gw.app.telemetry!;
    expect(telemetry.dropped).toBe(200);
    expect(warnings.filter((w) => w.msg.startsWith('call-log buffer full'))).toHaveLength(1);
    // Unblock the worker: the 100 records accepted are written, the drops show in /metrics.
    const got: string[] = [];
    createReadStream(join(dir, 'stuck.jsonl'), 'utf8').on('data', (c) => got.push(String(c)));
    for (let i = 0; i < 200 && (await call(`${gw.admin}/logs?limit=1000`)).json<{ items: unknown[] }>().items.length < 100; i++) await new Promise((r) => setTimeout(r, 25));
    expect((await call(`${gw.admin}/logs?limit=1000`)).json<{ items: unknown[] }>().items).toHaveLength(100);
    expect((await call(`${gw.admin}/metrics`)).text).toMatch(/^sluice_log_records_dropped_total 200$/m);
    expect(got.join('').trim().split('\n')).toHaveLength(100);
  });
});

describe('retention', () => {
  let up: TestUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    up = await startUpstream();
    gw = await startGateway({
      services: [{ id: 'svc', upstream: { targets: [up.url] } }],
      routes: [{ id: 'api', service: 'svc', paths: ['/api'] }],
      observability: { logs: { retention_days: 1 }, analytics: { retention_days: { minute: 1, hour: 2, day: 3 } } },
    });
    await fire(gw.url, 5, 1);
  });
  afterAll(async () => {
    await gw.close();
    await up.close();
  });

  const requests = async (grain: string) => (await call(`${gw.admin}/analytics/summary?from=${Date.now() - DAY}&to=${Date.now() + DAY}&grain=${grain}`)).json<{ totals: { requests: number } }>().totals.requests;

  it('deletes what is older than each store\'s retention, grain by grain', async () => {
    const telemetry = gw.app.telemetry!;
    expect((await call(`${gw.admin}/logs`)).json<{ items: unknown[] }>().items).toHaveLength(5);
    expect(await requests('minute')).toBe(5);
    // The background job's own function, run as if 36 hours had passed.
    const deleted = await telemetry.retention(Date.now() + 1.5 * DAY);
    expect(deleted['call_logs']).toBe(5);
    expect(deleted['rollups_minute']).toBeGreaterThan(0);
    expect(deleted['rollups_hour']).toBe(0);
    expect((await call(`${gw.admin}/logs`)).json<{ items: unknown[] }>().items).toEqual([]);
    expect(await requests('minute')).toBe(0);
    expect(await requests('hour')).toBe(5);
    expect(await requests('day')).toBe(5);
    const later = await telemetry.retention(Date.now() + 10 * DAY);
    expect(later['rollups_hour']).toBeGreaterThan(0);
    expect(later['rollups_day']).toBeGreaterThan(0);
    expect(await requests('day')).toBe(0);
  });
});
