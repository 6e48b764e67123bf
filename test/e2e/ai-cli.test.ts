import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startSluiceProcess, type SluiceProcess } from '../../src/test-support/process.js';
import { keyHash } from '../../src/test-support/llm-mocks/helpers.js';
import { startLlmMock, type LlmMock } from '../../src/test-support/llm-mocks/server.js';

const MASTER = 'n3PxBNQn2pVq6tXnq0O8D2ZrWgF5yJ7hK9mL1sT4uVw';
const KEY = 'sk-sluice-cli-user-000001';

/** `sluice secret seal`, the way an operator seals a provider key (stdin, never argv). */
async function seal(secret: string, master: string): Promise<string> {
  const r = await runCli(['secret', 'seal'], { SLUICE_MASTER_KEY: master }, secret);
  if (r.code !== 0) throw new Error(r.stderr);
  return r.stdout.trim();
}

/** The real `sluice` process with a sealed provider key, driven by the OpenAI SDK. */
describe('AI gateway: the sluice CLI', () => {
  let dir: string;
  let mock: LlmMock;
  let p: SluiceProcess;
  let sealed: string;

  const config = (secret: string, provider = 'openai') => `
ai:
  providers:
    - id: openai
      type: openai
      base_url: ${mock.url}/v1
      keys:
        - id: main
          secret: "${secret}"
  models:
    - name: gpt-4o
      targets: [{ provider: ${provider}, model: gpt-4o }]
services:
  - id: llm
    kind: ai
routes:
  - id: openai-api
    service: llm
    paths: [/v1/chat/completions, /v1/models]
    policies:
      - name: key-auth
consumers:
  - id: dev
    credentials: [{ id: dev-key, type: key-auth, key_hash: "${keyHash(KEY)}" }]
`;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-ai-cli-'));
    mock = await startLlmMock('openai');
    mock.acceptKeys(['sk-live-upstream-secret']);
    sealed = await seal('sk-live-upstream-secret', MASTER);
    await writeFile(join(dir, 'sluice.yaml'), config(sealed));
    p = await startSluiceProcess(['--config', join(dir, 'sluice.yaml'), '--data', join(dir, 'data')], { SLUICE_MASTER_KEY: MASTER });
  });
  afterAll(async () => {
    await p.stop();
    await mock.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('the config holds only the sealed key; the provider receives the real one', async () => {
    expect(sealed).toMatch(/^enc:v1:[0-9a-f]{8}:/);
    const client = new OpenAI({ apiKey: KEY, baseURL: `${p.proxy}/v1`, maxRetries: 0 });
    const r = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
    expect(r.choices[0]!.message.content).toContain('How can I help');
    expect(mock.seen.at(-1)!.key).toBe('sk-live-upstream-secret');
    const stream = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } });
    let usage = 0;
    for await (const c of stream) usage = c.usage?.total_tokens ?? usage;
    expect(usage).toBe(112);
  });

  it('`sluice explain` shows the upstream attempt', async () => {
    const client = new OpenAI({ apiKey: KEY, baseURL: `${p.proxy}/v1`, maxRetries: 0 });
    const { response } = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    const id = response.headers.get('x-request-id')!;
    await new Promise((r) => setTimeout(r, 50));
    const out = await runCli(['explain', id, '--admin', p.admin]);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/upstream\s+allow/);
    expect(out.stdout).toContain('attempt 1: openai/gpt-4o answered');
  });

  it('`sluice simulate` evaluates an AI request without calling the provider, in the route\'s error dialect', async () => {
    const seen = mock.seen.length;
    const body = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
    const ok = await runCli(['simulate', '-X', 'POST', '/v1/chat/completions', '-H', `authorization: Bearer ${KEY}`, '-H', 'content-type: application/json', '-d', body, '--admin', p.admin, '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ outcome: 'forwarded', upstream: { service: 'llm', kind: 'ai' } });
    const denied = await runCli(['simulate', '-X', 'POST', '/v1/chat/completions', '-H', 'content-type: application/json', '-d', body, '--admin', p.admin, '--json']);
    expect(JSON.parse(denied.stdout)).toMatchObject({ outcome: 'denied', response: { status: 401, body: { error: { type: 'authentication_error', code: 'auth.key_missing' } } } });
    expect(mock.seen.length).toBe(seen);
  });

  it('`sluice config validate` accepts the sealed AI config and pinpoints AI config errors', async () => {
    const good = await runCli(['config', 'validate', join(dir, 'sluice.yaml')], { SLUICE_MASTER_KEY: MASTER });
    expect(good.code).toBe(0);

    await writeFile(join(dir, 'bad-ref.yaml'), config(sealed, 'opena'));
    const bad = await runCli(['config', 'validate', join(dir, 'bad-ref.yaml')], { SLUICE_MASTER_KEY: MASTER });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('ai.models[0].targets[0].provider: no provider with id "opena" (did you mean "openai"?)');

    const wrong = await runCli(['config', 'validate', join(dir, 'sluice.yaml')], { SLUICE_MASTER_KEY: 'another-master-key' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/ai\.providers\[0\]\.keys\[0\]\.secret: was sealed with master key [0-9a-f]{8}, but the configured master key is [0-9a-f]{8}/);

    await writeFile(join(dir, 'plain.yaml'), config('sk-plain-text-key'));
    const plain = await runCli(['config', 'validate', join(dir, 'plain.yaml')]);
    expect(plain.stderr).toContain('ai.providers[0].keys[0].secret: is a plain-text secret');

    await writeFile(join(dir, 'schema.yaml'), config(sealed).replace('name: gpt-4o', 'name: gpt-4o\n      type: chatty'));
    const schema = await runCli(['config', 'validate', join(dir, 'schema.yaml')], { SLUICE_MASTER_KEY: MASTER });
    expect(schema.stderr).toContain('ai.models[0].type');
  });
});
