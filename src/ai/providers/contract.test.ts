/**
 * The contract every adapter in PROVIDERS keeps, whoever wrote it: run against the registry, so a new
 * adapter is checked the moment it is registered. Fast by design (no byte-split replays: those are in
 * each adapter's own golden tests).
 */
import { describe, expect, it } from 'vitest';
import { ProviderFailure, type ProviderErrorKind } from '../../core/llm/errors.js';
import { fixtureBytes, fixtureJson, fixtureLines, prng, toSse } from '../../core/llm/test-support/fixtures.js';
import type { ChatRequest } from '../../core/llm/types.js';
import type { ProviderAdapter, ResponseFraming, Target, UpstreamCall } from './contract.js';
import { PROVIDERS } from './registry.js';
import { assemble, enc, replay } from './test-support/replay.js';

const SECRET = 'sk-contract-S3CRET-0123456789abcdef';
const AWS_SECRET = 'aws-contract-S3CRET-wJalrXUtnFEMI';
const AWS_KEY_ID = 'AKIDCONTRACTEXAMPLE';
const SETTINGS = { region: 'eu-west-1', project: 'contract-project' };

function targetFor(a: ProviderAdapter): Target {
  const baseUrl = a.defaultBaseUrlFor?.(SETTINGS) ?? a.defaultBaseUrl ?? 'https://self-hosted.contract.test/v1';
  return {
    providerModel: 'contract-model',
    baseUrl,
    ...(a.auth === 'sigv4' ? { awsCredentials: { accessKeyId: AWS_KEY_ID, secretAccessKey: AWS_SECRET } } : { apiKey: SECRET }),
    apiVersion: '2024-10-21',
    ...SETTINGS,
  };
}

const ctx = () => {
  let n = 0;
  return { now: () => 1_700_000_000_000, newId: () => `c${++n}` };
};

const base: ChatRequest = {
  model: 'contract',
  stream: false,
  messages: [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: 'Hello' },
    { role: 'assistant', content: 'Hi.' },
    { role: 'user', content: 'Name a colour.' },
  ],
  temperature: 0.5,
  maxTokens: 100,
  stop: ['END'],
};

/** Requests a capability promises the adapter can express. */
const BY_CAPABILITY: { cap: keyof ProviderAdapter['capabilities']; request: Partial<ChatRequest> }[] = [
  {
    cap: 'tools',
    request: {
      tools: [{ name: 'weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }],
      toolChoice: 'auto',
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: null, toolCalls: [{ id: 'call_1', name: 'weather', arguments: '{"city":"Paris"}' }] },
        { role: 'tool', toolCallId: 'call_1', content: '18C' },
      ],
    },
  },
  { cap: 'vision', request: { messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBORw0KGgo=' } }] }] } },
  { cap: 'jsonSchema', request: { responseFormat: { type: 'json_schema', name: 'colour', schema: { type: 'object', properties: { colour: { type: 'string' } } } } } },
  { cap: 'reasoning', request: { reasoning: { effort: 'low' } } },
  { cap: 'multipleChoices', request: { n: 2 } },
  { cap: 'logprobs', request: { logprobs: true, topLogprobs: 2 } },
];

/** The header(s) that may carry a credential under each scheme. */
const AUTH_HEADERS: Record<ProviderAdapter['auth'], readonly string[]> = {
  bearer: ['authorization'],
  'x-api-key': ['x-api-key'],
  'api-key-header': ['api-key'],
  'x-goog-api-key': ['x-goog-api-key'],
  sigv4: ['authorization', 'x-amz-security-token'],
  none: ['authorization'],
};

function bodyText(call: UpstreamCall): string {
  return typeof call.body === 'string' ? call.body : new TextDecoder().decode(call.body);
}

/** Absolute URL under the base URL, the credential in its header and nowhere else. */
function expectWellFormed(a: ProviderAdapter, t: Target, call: UpstreamCall, json: boolean): void {
  const url = new URL(call.url);
  expect(['https:', 'http:']).toContain(url.protocol);
  expect(call.url.startsWith(t.baseUrl), `${call.url} is not under ${t.baseUrl}`).toBe(true);
  for (const name of Object.keys(call.headers)) expect(name, 'header names are lower-case').toBe(name.toLowerCase());
  const h = call.headers;
  switch (a.auth) {
    case 'bearer':
      expect(h.authorization).toBe(`Bearer ${SECRET}`);
      break;
    case 'x-api-key':
      expect(h['x-api-key']).toBe(SECRET);
      break;
    case 'api-key-header':
      expect(h['api-key']).toBe(SECRET);
      break;
    case 'x-goog-api-key':
      expect(h['x-goog-api-key']).toBe(SECRET);
      break;
    case 'sigv4':
      expect(h.authorization).toMatch(new RegExp(`^AWS4-HMAC-SHA256 Credential=${AWS_KEY_ID}/`));
      break;
    case 'none':
      if (h.authorization !== undefined) expect(h.authorization).toBe(`Bearer ${SECRET}`);
      break;
  }
  const allowed = new Set(AUTH_HEADERS[a.auth]);
  const elsewhere = [call.url, bodyText(call), ...Object.entries(h).filter(([k]) => !allowed.has(k)).map(([, v]) => v)];
  for (const s of elsewhere) {
    expect(s.includes(SECRET), 'the API key leaked outside its header').toBe(false);
    expect(s.includes(AWS_SECRET), 'the AWS secret key leaked').toBe(false);
  }
  for (const v of Object.values(h)) expect(v.includes(AWS_SECRET), 'the AWS secret key is never sent').toBe(false);
  if (json) {
    expect(h['content-type']).toMatch(/^application\/json/);
    expect(() => JSON.parse(bodyText(call)) as unknown).not.toThrow();
  }
}

const KINDS: readonly ProviderErrorKind[] = ['auth', 'permission', 'not_found', 'rate_limit', 'quota', 'invalid_request', 'context_length', 'content_filter', 'overloaded', 'server', 'timeout', 'bad_response'];
const FRAMINGS: readonly ResponseFraming[] = ['sse', 'ndjson', 'aws-eventstream', 'json-array-stream'];

const rnd = prng(42);
const noise = Uint8Array.from({ length: 512 }, () => Math.floor(rnd() * 256));
const ODD_BODIES: [string, Uint8Array][] = [
  ['empty', new Uint8Array()],
  ['random bytes', noise],
  ['HTML', enc.encode('<html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body></html>')],
  ['JSON null', enc.encode('null')],
  ['JSON array', enc.encode('[]')],
  ['error: null', enc.encode('{"error":null}')],
  ['cut JSON', enc.encode('{"error":{"message":"over')],
  ['wrong types', enc.encode('{"error":{"message":42,"code":{},"type":[]},"message":false}')],
  ['a string', enc.encode('"nope"')],
];
const STATUS_KIND: [number, ProviderErrorKind][] = [
  [400, 'invalid_request'],
  [401, 'auth'],
  [403, 'permission'],
  [404, 'not_found'],
  [429, 'rate_limit'],
  [500, 'server'],
  [503, 'overloaded'],
];

const GARBAGE_STREAMS: [string, Uint8Array[]][] = [
  ['random bytes', [noise]],
  ['HTML', [enc.encode('<html><body>oops</body></html>')]],
  ['SSE with broken JSON', [enc.encode('data: {not json}\n\n')]],
  ['SSE with JSON of the wrong shape', [enc.encode('data: {"choices":"x","type":7,"candidates":{}}\n\ndata: [1,2]\n\ndata: null\n\n')]],
  ['NDJSON of the wrong shape', [enc.encode('[]\nnull\n{"message":7,"done":"yes"}\n')]],
  ['half a JSON element', [enc.encode('[{"candidates": [')]],
  ['nothing', []],
];

const ndjson = (...files: string[]) => enc.encode(files.map((f) => `${JSON.stringify(fixtureJson(f))}\n`).join(''));

/**
 * A captured stream each adapter must read to the end with usage. Keyed by adapter id; an SSE adapter
 * not listed is an OpenAI-compatible one. A new native adapter adds its capture here.
 */
const SAMPLE_STREAMS: Record<string, () => Uint8Array> = {
  anthropic: () => fixtureBytes('anthropic/messages-stream-text.response.sse'),
  gemini: () => fixtureBytes('gemini/stream-sse-text.response.sse'),
  vertex: () => fixtureBytes('gemini/stream-sse-function-call.1.response.sse'),
  ollama: () => ndjson('ollama/api-chat-stream.response-object-0.json', 'ollama/api-chat-stream.response-object-1.json'),
  bedrock: () => fixtureBytes('bedrock/converse-stream-text.response.eventstream.bin'),
  cohere: () => toSse(fixtureLines('cohere/chat-v2-stream-text.chunks.jsonl'), { eventFromType: true }),
};
const OPENAI_SAMPLE = () => fixtureBytes('openai-chat/chat-stream-include-usage.response.sse');

/** Adapters whose embeddings body depends on the model family get a real model id. */
const EMBEDDING_MODEL: Record<string, string> = { bedrock: 'amazon.titan-embed-text-v2:0' };

describe('provider contract', () => {
  it('covers every registered adapter', () => {
    expect(PROVIDERS.length).toBeGreaterThanOrEqual(40);
  });

  for (const a of PROVIDERS) {
    describe(a.id, () => {
      const t = targetFor(a);
      const ex = (r: Partial<ChatRequest> = {}) => ({ request: { ...base, ...r }, target: t, ctx: ctx() });

      it('declares a consistent identity and capabilities', () => {
        expect(a.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
        expect(a.displayName.length).toBeGreaterThan(0);
        expect(a.capabilities.embeddings, 'embeddings capability ⇔ embeddings codec').toBe(a.embeddings !== undefined);
        if (a.capabilities.toolStreaming) expect(a.capabilities.tools).toBe(true);
        if (a.capabilities.streamUsage) expect(a.capabilities.streaming).toBe(true);
        if (a.defaultBaseUrl !== undefined) expect(a.defaultBaseUrl).toMatch(/^https?:\/\/[^/]+.*[^/]$/);
        const fields = new Set<string>(['providerModel', 'baseUrl', 'apiKey', 'apiVersion', 'deployment', 'region', 'awsCredentials', 'project', 'organization', 'extraHeaders']);
        for (const f of a.requires ?? []) expect(fields.has(f), `requires names Target.${f}`).toBe(true);
      });

      it('builds a well-formed call from a common request (non-streaming and streaming)', () => {
        const call = a.chat.buildRequest(ex());
        expect(call.method).toBe('POST');
        expect(call).toMatchObject({ stream: false, responseFormat: 'json' });
        expectWellFormed(a, t, call, true);
        if (a.capabilities.streaming) {
          const s = a.chat.buildRequest(ex({ stream: true, streamUsage: false }));
          expect(s.stream).toBe(true);
          expect(FRAMINGS).toContain(s.responseFormat);
          expectWellFormed(a, t, s, true);
        }
      });

      it('expresses every request its capabilities promise', () => {
        for (const { cap, request } of BY_CAPABILITY) {
          if (!a.capabilities[cap]) continue;
          let call: UpstreamCall | undefined;
          try {
            call = a.chat.buildRequest(ex(request));
          } catch (e) {
            throw new Error(`${a.id} claims ${cap} but refused it: ${e instanceof Error ? e.message : String(e)}`);
          }
          expectWellFormed(a, t, call, true);
        }
      });

      it('builds embeddings and model-list calls the same way', () => {
        if (a.embeddings) {
          const et = { ...t, providerModel: EMBEDDING_MODEL[a.id] ?? t.providerModel };
          const call = a.embeddings.buildRequest({ request: { model: 'e', input: 'hello' }, target: et, ctx: ctx() });
          expect(call).toMatchObject({ method: 'POST', stream: false, responseFormat: 'json' });
          expectWellFormed(a, t, call, true);
        }
        if (a.models) {
          const call = a.models.buildRequest(t);
          expect(call.method).toBe('GET');
          expectWellFormed(a, t, call, false);
        }
      });

      it('refuses unreadable 2xx bodies with a ProviderFailure, not a crash', () => {
        for (const [, body] of ODD_BODIES.filter(([n]) => n !== 'JSON array' && n !== 'error: null' && n !== 'wrong types')) {
          expect(() => a.chat.parseResponse(ex(), body, {})).toThrow(ProviderFailure);
        }
      });

      it('parseError never throws and classifies by status when the body says nothing', () => {
        for (const [status, kind] of STATUS_KIND) {
          for (const [name, body] of ODD_BODIES) {
            const e = a.parseError(status, status === 429 ? { 'retry-after': '7' } : {}, body);
            expect(e.status, `${status} ${name}`).toBe(status);
            expect(KINDS).toContain(e.kind);
            expect(typeof e.message === 'string' && e.message.length > 0, `${status} ${name}: a message`).toBe(true);
            if (name === 'HTML' || name === 'empty') {
              expect(e.kind, `${status} ${name}`).toBe(kind);
              if (status === 429) expect(e.retryAfterMs).toBe(7000);
            }
          }
        }
      });

      if (a.capabilities.streaming) {
        it('stream translators never throw on garbage, and stop after done', () => {
          for (const [name, parts] of GARBAGE_STREAMS) {
            for (const split of [parts, parts.flatMap((p) => Array.from(p, (_, i) => p.subarray(i, i + 1)))]) {
              const tr = a.chat.createStreamTranslator(ex({ stream: true }));
              const r = replay(tr, split);
              expect(r.done, `${name}: the body ended, so the stream is done`).toBe(true);
              expect(r.error, `${name}: garbage is an error`).toBeDefined();
              expect(tr.push(enc.encode('data: {}\n\n')), `${name}: nothing after done`).toEqual({ chunks: [], done: true });
            }
          }
        });

        it('reads a captured stream to the end, with the usage the provider reported', () => {
          const framing = a.chat.buildRequest(ex({ stream: true })).responseFormat;
          const sample = SAMPLE_STREAMS[a.id] ?? (framing === 'sse' ? OPENAI_SAMPLE : undefined);
          expect(sample, `no captured ${framing} stream for ${a.id}: add one to SAMPLE_STREAMS`).toBeDefined();
          const r = replay(a.chat.createStreamTranslator(ex({ stream: true })), [sample!()]);
          expect(r.error).toBeUndefined();
          expect(r.done).toBe(true);
          const [c] = assemble(r.chunks);
          expect(c?.role).toBe('assistant');
          expect(c?.finishReason).toBeDefined();
          expect(r.usage, 'usage reported upstream reaches the caller').toBeDefined();
          expect(r.usage!.totalTokens).toBe(r.usage!.inputTokens + r.usage!.outputTokens);
          expect(r.usage!.inputTokens).toBeGreaterThan(0);
          expect(r.usage!.outputTokens).toBeGreaterThan(0);
        });
      }
    });
  }
});
