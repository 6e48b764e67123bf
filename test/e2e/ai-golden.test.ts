import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startGateway, type TestGateway } from '../../src/test-support/gateway.js';
import { expectGolden } from '../../src/test-support/golden.js';
import { consumer } from '../../src/test-support/llm-mocks/helpers.js';
import { startLlmMock, type LlmMock } from '../../src/test-support/llm-mocks/server.js';

/**
 * Every denial an AI route can produce, in both inbound dialects: status, headers and body are
 * compared with test/golden/ai/*.json (review new files like code).
 */
const KEY = 'sk-sluice-golden-user-0001';
const LIMITED = 'sk-sluice-golden-limited-01';

describe('AI route denials (golden)', () => {
  let mock: LlmMock;
  let claude: LlmMock;
  let gw: TestGateway;
  let replace: Record<string, string>;

  beforeAll(async () => {
    mock = await startLlmMock('openai');
    claude = await startLlmMock('anthropic');
    const once = { retries: { attempts: 0 }, timeouts: { attempt: '100ms' } };
    gw = await startGateway({
      ai: {
        providers: [
          { id: 'openai', type: 'openai', base_url: `${mock.url}/v1`, keys: [{ id: 'k', secret: 'plain:sk-up' }] },
          { id: 'anthropic', type: 'anthropic', base_url: claude.url, keys: [{ id: 'k', secret: 'plain:sk-ant-up' }] },
        ],
        models: [
          { name: 'gpt-4o', targets: [{ provider: 'openai', model: 'gpt-4o' }], routing: once },
          { name: 'haiku', targets: [{ provider: 'anthropic', model: 'claude-haiku-4-5' }], routing: once },
          // One upstream model per dialect: a 429 rests the key for that model only.
          { name: 'busy-openai', targets: [{ provider: 'openai', model: 'busy-1' }], routing: once },
          { name: 'busy-anthropic', targets: [{ provider: 'openai', model: 'busy-2' }], routing: once },
        ],
      },
      services: [{ id: 'llm', kind: 'ai' }],
      routes: [
        { id: 'openai-api', service: 'llm', paths: ['/v1/chat/completions'], methods: ['POST'], policies: [{ name: 'key-auth' }] },
        { id: 'anthropic-api', service: 'llm', paths: ['/v1/messages'], methods: ['POST'], policies: [{ name: 'key-auth' }] },
      ],
      consumers: [
        // No rate-limit here: its RateLimit headers count within a sliding window, so they vary with timing.
        consumer('dev', KEY),
        consumer('limited', LIMITED, { policies: [{ name: 'model-access', config: { allow: ['claude-*'] } }, { name: 'rate-limit', config: { limit: 2, window: '1h' } }] }),
      ],
    });
    replace = { [String(mock.port)]: '<mock-port>' };
  });
  afterAll(async () => {
    await gw.close();
    await mock.close();
    await claude.close();
  });

  const dialects = [
    { name: 'openai', path: '/v1/chat/completions', auth: (k: string) => ({ authorization: `Bearer ${k}` }), body: (model: string) => ({ model, messages: [{ role: 'user', content: 'hi' }] }) },
    { name: 'anthropic', path: '/v1/messages', auth: (k: string) => ({ 'x-api-key': k, 'anthropic-version': '2023-06-01' }), body: (model: string) => ({ model, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }) },
  ] as const;

  for (const d of dialects) {
    const post = (headers: Record<string, string>, body: unknown) =>
      call(`${gw.url}${d.path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

    describe(d.name, () => {
      it('401 no key (key-auth)', async () => expectGolden(`ai/${d.name}-401-key-missing`, await post({}, d.body('gpt-4o')), replace));
      it('401 unknown key (key-auth)', async () => expectGolden(`ai/${d.name}-401-key-unknown`, await post(d.auth('sk-not-a-known-key-123'), d.body('gpt-4o')), replace));
      it('403 model not permitted (model-access)', async () => expectGolden(`ai/${d.name}-403-model-not-permitted`, await post(d.auth(LIMITED), d.body('gpt-4o')), replace));
      it('404 unknown model', async () => expectGolden(`ai/${d.name}-404-model-not-found`, await post(d.auth(KEY), d.body('gpt-9')), replace));
      // The router refuses the method before any route is entered; the 405 still speaks the dialect of the route whose path matched.
      it('405 wrong method', async () => expectGolden(`ai/${d.name}-405-method`, await call(`${gw.url}${d.path}`, { method: 'GET', headers: d.auth(KEY) }), replace));
      it('404 no AI API under the route prefix', async () => expectGolden(`ai/${d.name}-404-no-api`, await call(`${gw.url}${d.path}/extra`, { method: 'POST', headers: { 'content-type': 'application/json', ...d.auth(KEY) }, body: '{}' }), replace));
      it('400 not JSON', async () => expectGolden(`ai/${d.name}-400-invalid-json`, await post(d.auth(KEY), '{"model":'), replace));
      it('502 upstream failed', async () => {
        mock.queue('chat', { status: 500, body: '{"error":{"message":"internal","type":"server_error"}}' });
        expectGolden(`ai/${d.name}-502-upstream-failed`, await post(d.auth(KEY), d.body('gpt-4o')), replace);
      });
      it('504 upstream timeout', async () => {
        mock.queue('chat', { delayMs: 400 });
        expectGolden(`ai/${d.name}-504-upstream-timeout`, await post(d.auth(KEY), d.body('gpt-4o')), replace);
      });
      it('400 rejected by the provider (passed through)', async () => {
        mock.queue('chat', { status: 400, fixture: 'openai-chat/error-400-unsupported-parameter.response.json' });
        expectGolden(`ai/${d.name}-400-upstream-rejected`, await post(d.auth(KEY), d.body('gpt-4o')), replace);
      });
      it('400 invalid parameter, naming it', async () => {
        const body = { ...d.body('gpt-4o'), messages: [{ role: 'user', content: [{ type: d.name === 'openai' ? 'image_url' : 'image', source: {}, image_url: {} }] }] };
        expectGolden(`ai/${d.name}-400-invalid-param`, await post(d.auth(KEY), body), replace);
      });
      it('400 not expressible for the provider (ai.unsupported)', async () => {
        const body = d.name === 'openai' ? { ...d.body('haiku'), logprobs: true } : { ...d.body('haiku'), messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'base64', media_type: 'image/png', data: 'AA' } }] }] };
        const before = claude.seen.length;
        expectGolden(`ai/${d.name}-400-unsupported`, await post(d.auth(KEY), body), replace);
        expect(claude.seen.length).toBe(before);
      });
      it('429 the provider rate limits, with Retry-After; then 503 no target while the key rests', async () => {
        mock.queue('chat', { status: 429, fixture: 'openai-chat/error-429-rate-limit-exceeded.response.json', headers: { 'retry-after': '30' } });
        expectGolden(`ai/${d.name}-429-upstream-rate-limited`, await post(d.auth(KEY), d.body(`busy-${d.name}`)), replace);
        expectGolden(`ai/${d.name}-503-no-target`, await post(d.auth(KEY), d.body(`busy-${d.name}`)), replace);
      });
      it('429 rate limited (rate-limit), with Retry-After', async () => {
        const limited = d.auth(LIMITED);
        let r = await post(limited, d.body('claude-x'));
        for (let i = 0; i < 3 && r.status !== 429; i++) r = await post(limited, d.body('claude-x'));
        expectGolden(`ai/${d.name}-429-rate-limited`, r, replace);
      });
    });
  }
});
