import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { request } from 'undici';
import { Sluice, type StartOptions } from '../app/runtime.js';
import { toYaml } from '../config/yaml.js';
import { writeFile } from 'node:fs/promises';

export interface TestGateway {
  readonly app: Sluice;
  /** Proxy base URL. */
  readonly url: string;
  /** Admin base URL. */
  readonly admin: string;
  readonly dataDir: string;
  close(): Promise<void>;
}

/**
 * A real, in-process Sluice (real store, gateway, listeners) on random loopback ports.
 * With `config`, it runs from a YAML file (declarative mode); otherwise from its SQLite store.
 */
export async function startGateway(config?: unknown, extra: Partial<StartOptions> = {}): Promise<TestGateway> {
  const dataDir = await mkdtemp(join(tmpdir(), 'sluice-test-'));
  let configFile: string | undefined;
  if (config !== undefined) {
    configFile = join(dataDir, 'sluice.yaml');
    await writeFile(configFile, toYaml(config));
  }
  const app = await Sluice.start({
    configFile,
    port: 0,
    host: '127.0.0.1',
    adminPort: 0,
    adminHost: '127.0.0.1',
    dataDir,
    logger: pino({ level: process.env['SLUICE_TEST_LOG'] ?? 'silent' }),
    ...extra,
  });
  return {
    app,
    url: `http://127.0.0.1:${app.proxyAddress.port}`,
    admin: `http://127.0.0.1:${app.adminAddress.port}`,
    dataDir,
    close: async () => {
      await app.close(1000);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface SimpleResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  json<T = Record<string, unknown>>(): T;
}

/** One HTTP request with undici; the body is read whole. */
export async function call(url: string, init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<SimpleResponse> {
  const r = await request(url, { method: (init.method ?? 'GET'), headers: init.headers, body: init.body });
  const text = await r.body.text();
  return { status: r.statusCode, headers: r.headers, text, json: <T>() => JSON.parse(text) as T };
}
