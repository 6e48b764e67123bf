import { describe, expect, it } from 'vitest';
import { fixtureBytes, fixtureFiles, fixtureJson, fixtureText, splits } from '../../../core/llm/test-support/fixtures.js';
import { expectGoldenJson } from '../../../core/llm/test-support/golden.js';
import type { ChatRequest } from '../../../core/llm/types.js';
import { anthropic } from '../../providers/anthropic/index.js';
import { openai } from '../../providers/openai/index.js';
import { exchange, resetIds } from '../../providers/test-support/replay.js';
import { reencode, sseFrames, ssePayloadValues, without } from '../test-support/stream.js';
import { openaiDialect } from './index.js';

const basic: ChatRequest = { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream: false };

/**
 * Fields of a capture that the canonical model does not carry, so no re-encoding has them: random
 * padding (`obfuscation`), web-search `annotations`, audio and prediction token counts. `null`
 * usage/logprobs equal absent ones. (`system_fingerprint` and `service_tier` are carried, per chunk too.)
 */
const NOT_CARRIED = ['obfuscation', 'annotations', 'audio_tokens', 'accepted_prediction_tokens', 'rejected_prediction_tokens'];

function comparable(v: unknown, extra: readonly string[] = []): unknown {
  const stripped = without(v, [...NOT_CARRIED, ...extra]);
  const dropNulls = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(dropNulls);
    if (typeof x !== 'object' || x === null) return x;
    const out: Record<string, unknown> = {};
    for (const [k, y] of Object.entries(x)) if (!((k === 'usage' || k === 'logprobs') && y === null)) out[k] = dropNulls(y);
    return out;
  };
  return dropNulls(stripped);
}

describe('openai dialect: responses re-encoded from the recorded ones', () => {
  for (const name of ['chat-basic', 'chat-tools']) {
    it(`${name}: OpenAI → canonical → OpenAI gives the capture back`, () => {
      const file = `openai-chat/${name}.response.json`;
      const { response } = openai.chat.parseResponse(exchange(basic), fixtureBytes(file), {});
      const encoded = JSON.parse(JSON.stringify(openaiDialect.encodeResponse(response))) as unknown;
      expect(comparable(encoded)).toEqual(comparable(fixtureJson(file)));
    });
  }

  it('an Anthropic answer with parallel tool calls, as OpenAI shows it (golden)', () => {
    const { response } = anthropic.chat.parseResponse(exchange(basic), fixtureBytes('anthropic/messages-parallel-tool-use.0.response.json'), {});
    const encoded = openaiDialect.encodeResponse(response) as { choices: { finish_reason: string; message: { tool_calls: { id: string }[] } }[]; usage: Record<string, unknown> };
    expect(encoded.choices[0]!.finish_reason).toBe('tool_calls');
    expect(encoded.choices[0]!.message.tool_calls.map((t) => t.id)).toEqual(['toolu_0167cfEnoQaPviGdVXA95zcu', 'toolu_01EEe2V5HD1Ac4rKiUR4HD2T', 'toolu_01XFyAjstT3966qvRynZyVPo', 'toolu_013mnQZbgtK2oe3Mo3XKJsx3']);
    expectGoldenJson('dialects/openai/response-from-anthropic-parallel-tool-use', encoded);
  });

  it('the model the client asked for may be shown instead of the provider\'s', () => {
    const { response } = openai.chat.parseResponse(exchange(basic), fixtureBytes('openai-chat/chat-basic.response.json'), {});
    expect(openaiDialect.encodeResponse(response, { model: 'fast' })).toMatchObject({ model: 'fast' });
  });
});

describe('openai dialect: streams re-encoded from the recorded ones (every split of the upstream bytes)', () => {
  for (const file of fixtureFiles('openai-chat', '.response.sse')) {
    const name = file.slice('openai-chat/'.length, -'.response.sse'.length);
    it(`${name}: OpenAI SSE → canonical → OpenAI SSE gives the capture's frames back`, () => {
      const recorded = ssePayloadValues(fixtureText(file));
      const includeUsage = recorded.some((p) => typeof p === 'object' && p !== null && (p as { usage?: unknown }).usage);
      let first: string | undefined;
      for (const { name: cut, parts } of splits(fixtureBytes(file))) {
        const text = reencode(openai.chat.createStreamTranslator(exchange({ ...basic, stream: true })), parts, openaiDialect.createStreamEncoder({ includeUsage }));
        first ??= text;
        if (text !== first) throw new Error(`split ${cut} encoded differently`);
      }
      // Everything carried comes back on every chunk, the usage chunk included: id, model, service_tier, system_fingerprint…
      expect(comparable(ssePayloadValues(first!))).toEqual(comparable(recorded));
    });
  }

  it('without include_usage the usage chunk is not sent (and no chunk carries `usage`)', () => {
    const text = reencode(openai.chat.createStreamTranslator(exchange({ ...basic, stream: true })), [fixtureBytes('openai-chat/chat-stream-include-usage.response.sse')], openaiDialect.createStreamEncoder({}));
    const frames = ssePayloadValues(text);
    expect(frames.at(-1)).toBe('[DONE]');
    expect(frames.slice(0, -1).every((f) => !('usage' in (f as object)))).toBe(true);
    expect(frames).toHaveLength(3);
  });

  for (const name of ['messages-stream-tool-roundtrip.0', 'messages-stream-text', 'messages-stream-tool-use', 'sdk-fixture-stream-tool-use']) {
    const file = name.startsWith('sdk-') ? `anthropic/${name}.sse` : `anthropic/${name}.response.sse`;
    it(`Anthropic ${name} → OpenAI chunks: role first, tool-call indices 0, 1…, finish, usage (golden)`, () => {
      resetIds();
      const text = reencode(anthropic.chat.createStreamTranslator(exchange({ ...basic, stream: true })), [fixtureBytes(file)], openaiDialect.createStreamEncoder({ includeUsage: true, created: 1_700_000_000 }));
      const frames = ssePayloadValues(text);
      expect(frames.at(-1)).toBe('[DONE]');
      const chunks = frames.slice(0, -1) as { choices: { delta: Record<string, unknown>; finish_reason: string | null }[]; usage: unknown }[];
      expect(chunks[0]!.choices[0]!.delta['role']).toBe('assistant');
      expect(chunks.slice(1).every((c) => c.choices[0]?.delta['role'] === undefined)).toBe(true);
      expect(chunks.at(-1)!.choices).toEqual([]);
      expect(chunks.at(-1)!.usage).toBeTruthy();
      expect(chunks.filter((c) => c.choices[0]?.finish_reason).length).toBe(1);
      expectGoldenJson(`dialects/openai/stream-from-anthropic-${name}`, frames);
    });
  }

  it('an upstream failure after the 200 ends with an error frame the SDK raises, and no [DONE]', () => {
    const stream = fixtureText('anthropic/messages-stream-text.response.sse');
    const cut = stream.indexOf('event: content_block_stop');
    const bytes = new TextEncoder().encode(stream.slice(0, cut) + fixtureText('anthropic/stream-error-overloaded.sse'));
    const text = reencode(anthropic.chat.createStreamTranslator(exchange({ ...basic, stream: true })), [bytes], openaiDialect.createStreamEncoder({ requestId: 'req-1' }));
    const frames = sseFrames(text);
    expect(frames.at(-1)!.data).not.toBe('[DONE]');
    expect(JSON.parse(frames.at(-1)!.data)).toEqual({
      error: { message: 'The provider stream failed after the response started: Overloaded', type: 'server_error', param: null, code: 'ai.stream_failed', request_id: 'req-1' },
    });
  });

  it('a choice that never said why it stopped is closed before [DONE]', () => {
    const enc = openaiDialect.createStreamEncoder();
    const start = enc.encode({ id: 'c', model: 'm', created: 1, choiceIndex: 0, delta: { role: 'assistant', content: 'Hi' } });
    const end = ssePayloadValues(start + enc.finish(undefined, undefined));
    expect(end).toEqual([
      { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', system_fingerprint: null, choices: [{ index: 0, delta: { role: 'assistant', content: 'Hi', refusal: null }, finish_reason: null }] },
      { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', system_fingerprint: null, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
      '[DONE]',
    ]);
  });
});
