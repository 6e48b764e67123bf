import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toYaml } from '../../src/config/yaml.js';
import { startGateway, type TestGateway } from '../../src/test-support/gateway.js';
import { consumer } from '../../src/test-support/llm-mocks/helpers.js';
import { startLlmMock, type LlmMock } from '../../src/test-support/llm-mocks/server.js';

const KEY = 'sk-sluice-pools-0123456789';

function config(baseUrl: string, alias?: Record<string, string>): Record<string, unknown> {
  return {
    ai: {
      providers: [{ id: 'openai', type: 'openai', base_url: `${baseUrl}/v1`, keys: [{ id: 'k', secret: 'plain:sk-up' }] }],
      models: [{ name: 'gpt-4o', targets: [{ provider: 'openai', model: 'gpt-4o' }] }],
      ...(alias ? { aliases: alias } : {}),
    },
    services: [{ id: 'llm', kind: 'ai' }],
    routes: [{ id: 'openai-api', service: 'llm', paths: ['/v1/chat/completions'], policies: [{ name: 'key-auth' }] }],
    consumers: [consumer('dev', KEY)],
  };
}

async function until(check: () => boolean, ms = 3000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return check();
}

/**
 * Provider connection pools follow the config versions that use them, like the HTTP upstream pools:
 * a reload that keeps a provider keeps its warm connection; one that moves the provider elsewhere
 * closes the old pool once the old version retired, instead of keeping it for the process's life.
 */
describe('AI provider pools across reloads', () => {
  let a: LlmMock;
  let b: LlmMock;
  let gw: TestGateway;
  let client: OpenAI;
  const ask = () => client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
  const reload = async (c: Record<string, unknown>) => {
    await writeFile(join(gw.dataDir, 'sluice.yaml'), toYaml(c));
    expect((await gw.app.reload()).changed).toBe(true);
  };

  beforeAll(async () => {
    [a, b] = await Promise.all([startLlmMock('openai'), startLlmMock('openai')]);
    gw = await startGateway(config(a.url));
    client = new OpenAI({ apiKey: KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await gw.close();
    await Promise.all([a.close(), b.close()]);
  });

  it('a reload that keeps the provider keeps its keep-alive connection', async () => {
    await ask();
    expect(a.connections()).toBe(1);
    await reload(config(a.url, { fast: 'gpt-4o' }));
    await ask();
    expect(a.seen).toHaveLength(2);
    // Same socket reused: the new version took the pool the old one had warmed.
    expect(a.connections()).toBe(1);
  });

  it('a reload that moves the provider closes the old pool (and its sockets) once the old version retired', async () => {
    await reload(config(b.url));
    await ask();
    expect(b.seen).toHaveLength(1);
    // Without the count the old pool would hold its socket until the 60 s keep-alive ran out.
    expect(await until(() => a.connections() === 0)).toBe(true);
    expect(b.connections()).toBe(1);
  });
});
