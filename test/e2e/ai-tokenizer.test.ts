import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { tokenizerState } from '../../src/ai/accounting/estimate.js';
import { startGateway } from '../../src/test-support/gateway.js';
import { consumer, traceOf } from '../../src/test-support/llm-mocks/helpers.js';
import { startLlmMock } from '../../src/test-support/llm-mocks/server.js';
import { startUpstream } from '../../src/test-support/upstream.js';

/**
 * The local token counter (gpt-tokenizer, in a worker thread) is started in the background as soon
 * as a config with an ai service compiles, not by the first request that needs an estimate; a
 * request that needs one while it starts waits for that same start (one per process). The tests
 * run in order in one process: the first one sees the counter never started.
 */
const KEY = 'sk-sluice-tokenizer-0123';

describe('AI gateway: the token counter is warmed up ahead of need', () => {
  it('is not loaded by a gateway without ai services', async () => {
    const up = await startUpstream();
    const gw = await startGateway({ services: [{ id: 'svc', upstream: { targets: [up.url] } }], routes: [{ id: 'r', service: 'svc', paths: ['/x'] }] });
    await new Promise((r) => setTimeout(r, 200));
    expect(tokenizerState()).toEqual({ ready: false, loads: 0 });
    await gw.close();
    await up.close();
  });

  it('is loaded at startup when an ai service exists, once, and a request needing an estimate shares that load', async () => {
    const mock = await startLlmMock('openai');
    const gw = await startGateway({
      ai: { providers: [{ id: 'openai', type: 'openai', base_url: `${mock.url}/v1`, keys: [{ id: 'k', secret: 'plain:sk-up' }] }], models: [{ name: 'gpt-4o', targets: [{ provider: 'openai', model: 'gpt-4o' }] }] },
      services: [{ id: 'llm', kind: 'ai' }],
      routes: [{ id: 'openai-api', service: 'llm', paths: ['/v1/chat/completions'], policies: [{ name: 'key-auth' }] }],
      consumers: [consumer('dev', KEY)],
    });
    try {
      // Started by the config's compilation, before any request.
      expect(tokenizerState().loads).toBe(1);
      // A capture without usage: the gateway must count the tokens itself, right after startup.
      mock.queue('chat', { fixture: 'openai-chat/chat-stream.response.sse' });
      const client = new OpenAI({ apiKey: KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });
      const { data: stream, response } = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hello world' }], stream: true, stream_options: { include_usage: true } }).withResponse();
      const chunks: OpenAI.ChatCompletionChunk[] = [];
      for await (const c of stream) chunks.push(c);
      const usage = chunks.at(-1)!.usage!;
      expect(usage.prompt_tokens).toBe(2 + 3 + 3); // "hello world" + per-message and reply framing
      expect(usage.completion_tokens).toBeGreaterThan(0);
      const t = await traceOf(gw.admin, response.headers.get('x-request-id'));
      expect(t.annotations?.ai).toMatchObject({ usage_source: 'estimated', tokens: { input: 8 } });
      for (let i = 0; i < 200 && !tokenizerState().ready; i++) await new Promise((r) => setTimeout(r, 20));
      expect(tokenizerState()).toEqual({ ready: true, loads: 1 });
      // Reloading or recompiling does not load it again.
      await gw.app.reload();
      expect(tokenizerState().loads).toBe(1);
    } finally {
      await gw.close();
      await mock.close();
    }
  });
});
