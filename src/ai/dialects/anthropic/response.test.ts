import { describe, expect, it } from 'vitest';
import { fixtureBytes, fixtureJson, fixtureText, splits } from '../../../core/llm/test-support/fixtures.js';
import { expectGoldenJson } from '../../../core/llm/test-support/golden.js';
import type { ChatRequest } from '../../../core/llm/types.js';
import { anthropic } from '../../providers/anthropic/index.js';
import { openai } from '../../providers/openai/index.js';
import { exchange } from '../../providers/test-support/replay.js';
import { sseFrames as mockFrames } from '../../../test-support/llm-mocks/server.js';
import { reencode, sseFrames, without, type SseFrame } from '../test-support/stream.js';
import { anthropicDialect } from './index.js';

const basic: ChatRequest = { model: 'claude', messages: [{ role: 'user', content: 'hi' }], maxTokens: 64, stream: false };

/**
 * Fields of Anthropic captures the canonical model does not carry: the 5m/1h split of cache writes,
 * `inference_geo`, `stop_details`, the `caller` of tool blocks (and `service_tier` in streams).
 */
const NOT_CARRIED = ['cache_creation', 'inference_geo', 'stop_details', 'caller'];

describe('anthropic dialect: responses re-encoded from the recorded ones', () => {
  for (const name of ['messages-basic', 'messages-text-keyorder', 'messages-parallel-tool-use.0', 'messages-parallel-tool-use.1']) {
    it(`${name}: Anthropic → canonical → Anthropic gives the capture back`, () => {
      const file = `anthropic/${name}.response.json`;
      const { response } = anthropic.chat.parseResponse(exchange(basic), fixtureBytes(file), {});
      const encoded = JSON.parse(JSON.stringify(anthropicDialect.encodeResponse(response))) as unknown;
      expect(encoded).toEqual(without(fixtureJson(file), NOT_CARRIED));
    });
  }

  for (const name of ['chat-basic', 'chat-tools']) {
    it(`OpenAI ${name} as an Anthropic message (golden)`, () => {
      const { response } = openai.chat.parseResponse(exchange(basic), fixtureBytes(`openai-chat/${name}.response.json`), {});
      expectGoldenJson(`dialects/anthropic/response-from-openai-${name}`, anthropicDialect.encodeResponse(response));
    });
  }

  it('tool arguments that are not a JSON object are kept, not dropped', () => {
    const encoded = anthropicDialect.encodeResponse({
      id: 'x',
      model: 'm',
      created: 1,
      choices: [{ index: 0, message: { role: 'assistant', content: null, toolCalls: [{ id: 'c', name: 'f', arguments: '{"a":' }] }, finishReason: 'tool_calls' }],
      usage: { inputTokens: 5, outputTokens: 2, totalTokens: 7, cachedInputTokens: 3 },
    });
    expect(encoded).toMatchObject({ content: [{ type: 'tool_use', id: 'c', name: 'f', input: { _raw: '{"a":' } }], stop_reason: 'tool_use', usage: { input_tokens: 2, cache_read_input_tokens: 3, output_tokens: 2 } });
  });
});

const isPing = (f: SseFrame) => f.event === 'ping';
const emptyDelta = (f: SseFrame) => /"(partial_json|text)":""/.test(f.data) && f.event === 'content_block_delta';

/** Recorded events as the encoder must reproduce them: no pings, no empty deltas (the translator drops them). */
function recordedEvents(text: string, alsoNotCarried: readonly string[]): { event: string | undefined; data: unknown }[] {
  return sseFrames(text)
    .filter((f) => !isPing(f) && !emptyDelta(f))
    .map((f) => ({ event: f.event, data: without(JSON.parse(f.data), [...NOT_CARRIED, ...alsoNotCarried]) }));
}

describe('anthropic dialect: streams re-encoded from the recorded ones (every split of the upstream bytes)', () => {
  const files = ['messages-stream-text.response.sse', 'messages-stream-tool-use.response.sse', 'messages-stream-tool-roundtrip.0.response.sse', 'messages-stream-tool-roundtrip.1.response.sse', 'sdk-fixture-stream-text.sse', 'sdk-fixture-stream-tool-use.sse'];
  for (const file of files) {
    it(`${file}: Anthropic SSE → canonical → Anthropic SSE gives every recorded event back`, () => {
      const path = `anthropic/${file}`;
      const run = (parts: readonly Uint8Array[]) => reencode(anthropic.chat.createStreamTranslator(exchange({ ...basic, stream: true })), parts, anthropicDialect.createStreamEncoder());
      // As the network delivers it: one read per recorded event.
      const text = run(mockFrames(fixtureText(path)).map((f) => new TextEncoder().encode(f)));
      // message_start shows the usage known when it is sent: with several events in one read, later
      // output counts too. Nothing else may depend on where the bytes were cut.
      const stable = (t: string) => t.replace(/("type":"message_start".*?"output_tokens":)\d+/, '$1N');
      for (const { name, parts } of splits(fixtureBytes(path))) {
        if (stable(run(parts)) !== stable(text)) throw new Error(`split ${name} encoded differently`);
      }
      const ours = sseFrames(text).map((f) => ({ event: f.event, data: JSON.parse(f.data) as unknown }));
      const recorded = recordedEvents(fixtureText(path), ['service_tier']);
      expect(ours.map((e) => e.event)).toEqual(recorded.map((e) => e.event));
      // Field by field: everything recorded is reproduced (ours may add the zero cache counters).
      expect(ours).toMatchObject(recorded);
      expectGoldenJson(`dialects/anthropic/stream-${file.replace(/\.(response\.)?sse$/, '')}`, ours);
    });
  }

  for (const name of ['chat-stream', 'chat-stream-include-usage', 'chat-stream-tool-call']) {
    it(`OpenAI ${name} → Anthropic events: one block at a time, stop reason and usage in message_delta (golden)`, () => {
      const text = reencode(openai.chat.createStreamTranslator(exchange({ ...basic, stream: true })), [fixtureBytes(`openai-chat/${name}.response.sse`)], anthropicDialect.createStreamEncoder());
      const events = sseFrames(text).map((f) => ({ event: f.event, data: JSON.parse(f.data) as { type: string; index?: number } }));
      expect(events[0]!.event).toBe('message_start');
      expect(events.at(-2)!.event).toBe('message_delta');
      expect(events.at(-1)!.event).toBe('message_stop');
      // Blocks open and close in order, never two at once.
      let open: number | undefined;
      for (const e of events) {
        if (e.event === 'content_block_start') {
          expect(open).toBeUndefined();
          open = e.data.index;
        } else if (e.event === 'content_block_delta') expect(e.data.index).toBe(open);
        else if (e.event === 'content_block_stop') {
          expect(e.data.index).toBe(open);
          open = undefined;
        }
      }
      expect(open).toBeUndefined();
      expectGoldenJson(`dialects/anthropic/stream-from-openai-${name}`, events);
    });
  }

  it('an upstream `event: error` after the 200 is relayed as an error event, after what was already sent', () => {
    const stream = fixtureText('anthropic/messages-stream-text.response.sse');
    const cut = stream.indexOf('event: content_block_stop');
    const bytes = new TextEncoder().encode(stream.slice(0, cut) + fixtureText('anthropic/stream-error-overloaded.sse'));
    const text = reencode(anthropic.chat.createStreamTranslator(exchange({ ...basic, stream: true })), [bytes], anthropicDialect.createStreamEncoder({ requestId: 'req-1' }));
    const frames = sseFrames(text);
    expect(frames.filter((f) => f.event === 'content_block_delta').length).toBeGreaterThan(0);
    expect(frames.some((f) => f.event === 'message_stop')).toBe(false);
    expect(frames.at(-1)!.event).toBe('error');
    expect(JSON.parse(frames.at(-1)!.data)).toEqual({
      type: 'error',
      error: { type: 'overloaded_error', message: 'The provider stream failed after the response started: Overloaded', details: { error_code: 'ai.stream_failed' } },
      request_id: 'req-1',
    });
  });

  it('a stream cut before its final event ends with an error event, not a silent message_stop', () => {
    const stream = fixtureText('anthropic/messages-stream-text.response.sse');
    const bytes = new TextEncoder().encode(stream.slice(0, stream.indexOf('event: message_delta')));
    const frames = sseFrames(reencode(anthropic.chat.createStreamTranslator(exchange({ ...basic, stream: true })), [bytes], anthropicDialect.createStreamEncoder()));
    expect(frames.at(-1)!.event).toBe('error');
    expect(JSON.parse(frames.at(-1)!.data)).toMatchObject({ error: { type: 'api_error' } });
  });

  it('thinking with its signature, redacted thinking, then text', () => {
    const enc = anthropicDialect.createStreamEncoder();
    const c = (delta: object, finishReason?: 'stop') => ({ id: 'm1', model: 'claude', created: 1, choiceIndex: 0, delta, ...(finishReason ? { finishReason } : {}) });
    const text =
      enc.encode(c({ role: 'assistant' }), { inputTokens: 10, outputTokens: 1, totalTokens: 11 }) +
      enc.encode(c({ reasoning: 'Hmm.' })) +
      enc.encode(c({ reasoningSignature: 'sig' })) +
      enc.encode(c({ redactedReasoning: 'opaque' })) +
      enc.encode(c({ content: 'Yes.' }, 'stop')) +
      enc.finish({ inputTokens: 10, outputTokens: 5, totalTokens: 15 }, 'stop');
    expect(sseFrames(text).map((f) => [f.event, JSON.parse(f.data) as unknown])).toEqual([
      ['message_start', { type: 'message_start', message: { id: 'm1', type: 'message', role: 'assistant', model: 'claude', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 10, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 1 } } }],
      ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } }],
      ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Hmm.' } }],
      ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'sig' } }],
      ['content_block_stop', { type: 'content_block_stop', index: 0 }],
      ['content_block_start', { type: 'content_block_start', index: 1, content_block: { type: 'redacted_thinking', data: 'opaque' } }],
      ['content_block_stop', { type: 'content_block_stop', index: 1 }],
      ['content_block_start', { type: 'content_block_start', index: 2, content_block: { type: 'text', text: '' } }],
      ['content_block_delta', { type: 'content_block_delta', index: 2, delta: { type: 'text_delta', text: 'Yes.' } }],
      ['content_block_stop', { type: 'content_block_stop', index: 2 }],
      ['message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { input_tokens: 10, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 5 } }],
      ['message_stop', { type: 'message_stop' }],
    ]);
  });
});
